import Foundation

/// A privacy model that every published equivalence class must satisfy.
public enum PrivacyModel: Sendable, Equatable {
    /// k-anonymity (Sweeney 2002): every class holds at least k records.
    case kAnonymity(Int)
    /// ℓ-diversity of the sensitive column (Machanavajjhala et al. 2007).
    case lDiversity(Double, LDiversityVariant)
    /// t-closeness of the sensitive column (Li, Li & Venkatasubramanian 2007):
    /// the Earth Mover's Distance between a class's distribution and the whole
    /// table's is at most t.
    case tCloseness(Double, TClosenessDistance)

    /// True when the model needs a sensitive column.
    public var needsSensitiveColumn: Bool {
        if case .kAnonymity = self { return false }
        return true
    }

    /// The k every class must reach under `models` (1 without k-anonymity).
    static func smallestClass(_ models: [PrivacyModel]) -> Int {
        models.reduce(1) { if case let .kAnonymity(k) = $1 { max($0, k) } else { $0 } }
    }
}

/// How ℓ-diversity is measured within a class.
public enum LDiversityVariant: Sendable, Equatable {
    /// At least ℓ distinct sensitive values.
    case distinct
    /// Shannon entropy of the sensitive values at least ln ℓ, tested in ARX's
    /// exact form Σ f·ln f ≤ n·(ln n − ln ℓ); implies at least ℓ records.
    case entropy
    /// Entropy ℓ-diversity with Grassberger's estimator of the entropy (ARX's default in
    /// its tests): at least ⌈ℓ⌉ distinct values and Ĥ = G(n) − (1/n) Σ f·G(f) ≥ ln ℓ, with
    /// G(f) = ψ(f) + ½(−1)^f (ψ((f+1)/2) − ψ(f/2)) (Grassberger, "Entropy estimates from insufficient
    /// samplings", 2003, eq. 35; ψ the digamma function), G(n) standing for ln n as in ARX.
    case grassberger
    /// Recursive (c, ℓ): the most frequent value r₁ < c · (r_ℓ + … + r_m).
    case recursive(c: Double)
}

/// Ground distance of t-closeness (Li et al. 2007, §4).
public enum TClosenessDistance: String, Sendable, Equatable, CaseIterable {
    /// Every pair of distinct values is at distance 1: EMD = ½ Σ |p − q|.
    case equal
    /// Values ordered (numerically when all are numbers, else by text); the
    /// ordered distance |i − j| / (m − 1): EMD = Σ |cumulative p − q| / (m − 1).
    case ordered
    /// Distances from the sensitive column's own hierarchy (Li et al., §4.3).
    case hierarchical
}
