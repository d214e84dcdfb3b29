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

    /// δ, if any.
    public var delta: Double? {
        switch self {
        case let .epsilon(_, delta): delta
        case let .rho(_, delta): delta
        }
    }
}
