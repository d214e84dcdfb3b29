import Foundation

/// The digamma function ψ = Γ′/Γ for positive arguments, and Grassberger's G(n).
enum Digamma {
    /// ψ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the
    /// asymptotic series ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) (Abramowitz & Stegun 6.3.18),
    /// accurate to about 1e-15 there.
    static func psi(_ x: Double) -> Double {
        var x = x, shift = 0.0
        while x < 10 {
            shift -= 1 / x
            x += 1
        }
        let inverse2 = 1 / (x * x)
        let series = inverse2 * (1.0 / 12 - inverse2 * (1.0 / 120 - inverse2 * (1.0 / 252 - inverse2 * (1.0 / 240 - inverse2 * (1.0 / 132)))))
        return shift + log(x) - 0.5 / x - series
    }

    /// G(n) = ψ(n) + ½(−1)ⁿ (ψ((n+1)/2) − ψ(n/2)) (Grassberger 2003, eq. 35).
    static func grassbergerG(_ n: Int) -> Double {
        let sign = n % 2 == 0 ? 1.0 : -1.0
        return psi(Double(n)) + 0.5 * sign * (psi(Double(n + 1) / 2) - psi(Double(n) / 2))
    }
}
