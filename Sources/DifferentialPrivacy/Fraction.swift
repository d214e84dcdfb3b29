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

    /// The largest fraction with denominator `resolution` not above `value` (≥ 0).
    /// Privacy parameters (ε) are rounded *down*, so noise is never smaller than stated.
    public static func below(_ value: Double, resolution: Int = 1_000_000) -> Fraction {
        Fraction(BigUInt(max((value * Double(resolution)).rounded(.down), 0)), BigUInt(resolution))
    }

    /// The smallest fraction with denominator `resolution` not below `value` (≥ 0).
    /// Noise scales are rounded *up*.
    public static func above(_ value: Double, resolution: Int = 1_000_000) -> Fraction {
        Fraction(BigUInt(max((value * Double(resolution)).rounded(.up), 0)), BigUInt(resolution))
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
