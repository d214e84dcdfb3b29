import BigInt
import Testing
@testable import DifferentialPrivacy

/// Privacy parameters are rounded to millionths in the safe direction in exact arithmetic: the
/// floating-point product of 0.3 (a Double just below 3/10) and 10⁶ rounds up to 300,000, which
/// would make a "rounded-down" share exceed the Double it came from.
@Suite struct FractionRoundingTests {
    @Test func roundingDownNeverExceedsTheDoubleItCameFrom() {
        #expect(Fraction.below(0.3) == Fraction(299_999, 1_000_000), "0.3 is 0.29999999999999998889… as a Double")
        #expect(Fraction.below(0.5) == Fraction(500_000, 1_000_000) && Fraction.below(1) == Fraction(1_000_000, 1_000_000))
        #expect(Fraction.above(0.3) == Fraction(300_000, 1_000_000) && Fraction.above(0.1 + 0.2) == Fraction(300_001, 1_000_000))
        // Deterministic sweep: every two-decimal ε from 0.01 to 10 and its 30% and 2% shares.
        for hundredths in 1...1000 {
            let epsilon = Double(hundredths) / 100
            for value in [epsilon, epsilon * 0.3, epsilon * 0.02, epsilon - epsilon * 0.3 - epsilon * 0.02] {
                let down = Fraction.scaledFloor(value, 1_000_000)
                #expect(Fraction.compare(down, value, 1_000_000) <= 0 && Fraction.compare(down + 1, value, 1_000_000) > 0, "\(value)")
                let up = Fraction.above(value)
                #expect(up.numerator * BigUInt(1_000_000) >= BigUInt(down) * up.denominator, "\(value)")
            }
        }
    }
}
