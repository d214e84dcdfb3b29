#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The privacy parameters of one differentially private output, as a policy declares them
/// (`privacy: {epsilon: …}` or `{rho: …, delta: …}`) and as the engine calibrates its noise to
/// them: one definition for both, so the parameters a policy states are the ones applied.
public enum PrivacyParameters: Sendable, Equatable {
    /// Pure ε-DP with discrete Laplace noise; δ > 0 only pays for private partition selection.
    case epsilon(Double, delta: Double?)
    /// ρ-zCDP with discrete Gaussian noise (Bun & Steinke 2016); δ states the (ε, δ) conversion.
    case rho(Double, delta: Double)

    /// ε charged to the ledger: ε itself, or ρ + 2√(ρ ln(1/δ)) (Bun & Steinke 2016, Prop. 1.3).
    public var epsilonEquivalent: Double {
        switch self {
        case let .epsilon(epsilon, _): epsilon
        case let .rho(rho, delta): rho + 2 * (rho * log(1 / delta)).squareRoot()
        }
    }

    /// The δ partition selection may spend when the output's keys are private (`privateKeys`), or
    /// nil when nothing is selected. Under ε it is the stated δ (the noise itself needs none). Under
    /// ρ the stated δ must also pay for the (ε, δ) conversion, so selection gets half of it and ρ
    /// converts at the other half (``epsilonEquivalent(privateKeys:)``): the output is (ε, δ)-DP in
    /// all, δ the stated one (basic composition of the thresholding's δ with the conversion's).
    public func selectionDelta(privateKeys: Bool) -> Double? {
        guard privateKeys else { return nil }
        switch self {
        case let .epsilon(_, delta): return delta
        case let .rho(_, delta): return delta / 2
        }
    }

    /// ε of the output as charged and stated: ``epsilonEquivalent``, but under ρ with private keys
    /// ρ converts at δ/2, the half ``selectionDelta(privateKeys:)`` leaves it.
    public func epsilonEquivalent(privateKeys: Bool) -> Double {
        switch self {
        case let .rho(rho, delta) where privateKeys: rho + 2 * (rho * log(2 / delta)).squareRoot()
        default: epsilonEquivalent
        }
    }

    /// δ, if any.
    public var delta: Double? {
        switch self {
        case let .epsilon(_, delta): delta
        case let .rho(_, delta): delta
        }
    }

    /// The parameters of a part of this budget: ε (or ρ) times `fraction`, δ unchanged (under
    /// sequential composition the parts add up to the whole: Dwork & Roth 2014, Thm 3.16;
    /// for ρ-zCDP, Bun & Steinke 2016, Lemma 2.3).
    public func scaled(by fraction: Double) -> PrivacyParameters {
        switch self {
        case let .epsilon(epsilon, delta): .epsilon(epsilon * fraction, delta: delta)
        case let .rho(rho, delta): .rho(rho * fraction, delta: delta)
        }
    }
}
