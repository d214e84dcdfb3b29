import BigInt

/// A non-negative exact rational number n/d, the parameter type of every sampler.
public struct Fraction: Sendable, Equatable, CustomStringConvertible {
    public let numerator: BigUInt
    public let denominator: BigUInt

    /// n/d with d > 0.
    public init(_ numerator: BigUInt, _ denominator: BigUInt) {
        precondition(denominator > 0, "a fraction needs a positive denominator")
        self.numerator = numerator
        self.denominator = denominator
    }

    public init(_ numerator: Int, _ denominator: Int = 1) {
        self.init(BigUInt(max(numerator, 0)), BigUInt(max(denominator, 1)))
    }

    /// The largest fraction with denominator `resolution` not above `value` (≥ 0), exactly: the
    /// floating-point product value·resolution can round up to the next integer, so the result is
    /// checked against the Double's exact binary value and corrected.
    /// Privacy parameters (ε) are rounded *down*, so noise is never smaller than stated.
    public static func below(_ value: Double, resolution: Int = 1_000_000) -> Fraction {
        Fraction(BigUInt(scaledFloor(value, resolution)), BigUInt(resolution))
    }

    /// The smallest fraction with denominator `resolution` not below `value` (≥ 0), exactly.
    /// Noise scales are rounded *up*.
    public static func above(_ value: Double, resolution: Int = 1_000_000) -> Fraction {
        let floor = scaledFloor(value, resolution)
        // ⌈x⌉ = ⌊x⌋ unless x is not a whole number.
        return Fraction(BigUInt(floor + (compare(floor, value, resolution) < 0 ? 1 : 0)), BigUInt(resolution))
    }

    /// ⌊value·resolution⌋ exactly, for a finite value ≥ 0 (0 otherwise).
    public static func scaledFloor(_ value: Double, _ resolution: Int) -> Int {
        guard value.isFinite, value > 0, resolution > 0 else { return 0 }
        var q = Int(min((value * Double(resolution)).rounded(.down), Double(Int.max / 4)))
        while q > 0 && compare(q, value, resolution) > 0 { q -= 1 }
        while compare(q + 1, value, resolution) <= 0 { q += 1 }
        return q
    }

    /// The sign of q − value·resolution, in exact arithmetic on the Double's binary value s·2ᵖ.
    static func compare(_ q: Int, _ value: Double, _ resolution: Int) -> Int {
        let significand = BigUInt(value.significandBitPattern | (value.isNormal ? 1 << 52 : 0))
        let power = value.isNormal ? Int(value.exponent) - 52 : -1074
        var left = BigUInt(max(q, 0)), right = significand * BigUInt(resolution)
        if power >= 0 { right <<= power } else { left <<= -power }
        return left < right ? -1 : (left == right ? 0 : 1)
    }

    public var doubleValue: Double { Double(numerator) / Double(denominator) }
    public var isZero: Bool { numerator == 0 }

    /// ⌊n/d⌋.
    public var floor: BigUInt { numerator / denominator }

    public static func * (lhs: Fraction, rhs: Fraction) -> Fraction {
        Fraction(lhs.numerator * rhs.numerator, lhs.denominator * rhs.denominator).reduced
    }

    public static func / (lhs: Fraction, rhs: Fraction) -> Fraction {
        precondition(!rhs.isZero, "division by zero")
        return Fraction(lhs.numerator * rhs.denominator, lhs.denominator * rhs.numerator).reduced
    }

    public var reduced: Fraction {
        let divisor = numerator.greatestCommonDivisor(with: denominator)
        return divisor > 1 ? Fraction(numerator / divisor, denominator / divisor) : self
    }

    public var description: String { "\(numerator)/\(denominator)" }
}

extension Fraction {
    public static func + (lhs: Fraction, rhs: Fraction) -> Fraction {
        Fraction(lhs.numerator * rhs.denominator + rhs.numerator * lhs.denominator, lhs.denominator * rhs.denominator).reduced
    }
}

extension PrivacyParameters {
    /// ε (or ρ) as an exact fraction, rounded down at 10⁻⁶ (``Fraction/below(_:)``): what a mechanism
    /// given this whole budget calibrates its noise to.
    var exactTotal: Fraction {
        switch self {
        case let .epsilon(epsilon, _): Fraction.below(epsilon)
        case let .rho(rho, _): Fraction.below(rho)
        }
    }
}
