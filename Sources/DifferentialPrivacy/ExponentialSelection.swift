import BigInt

/// The exponential mechanism (McSherry & Talwar 2007) over a finite set of
/// candidates with integer utilities, sampled exactly.
///
/// Guarantee: if changing one person's data changes every candidate's utility
/// by at most `sensitivity`, choosing candidate i with probability
/// ∝ exp(ε·u_i / (2·sensitivity)) is ε-differentially private (McSherry &
/// Talwar 2007, Thm. 6; Dwork & Roth 2014, Thm. 3.10).
///
/// Sampling is exact and uses integers only: propose a candidate uniformly and
/// accept it with probability exp(−ε·(u* − u_i)/(2·sensitivity)), u* the
/// largest utility (Bernoulli(exp(−γ)) of Canonne, Kamath & Steinke 2020); the
/// accepted candidate has exactly the mechanism's distribution, whatever u* is.
/// The expected number of proposals is at most the number of candidates.
///
/// Monotone utilities: when adding one person can only raise (or leave) every
/// candidate's utility, and by at most `sensitivity`, choosing with probability
/// ∝ exp(ε·u_i / sensitivity) is ε-differentially private (McSherry & Talwar 2007;
/// Dwork & Roth 2014, remark after Thm. 3.10): for neighbours D ⊂ D′ the numerator
/// e^(ε·u_i(D)/Δ) can only grow from D to D′, by at most e^ε, and the normalising sum
/// likewise, so their ratio moves by at most e^ε either way. `monotone: true` selects it.
public enum ExponentialSelection {
    /// Index of the chosen candidate.
    ///
    /// - Parameter monotone: the utilities are monotone in the data (see above); the factor 2 is left out.
    /// - Precondition: `utilities` is not empty and `sensitivity` > 0.
    public static func choose(utilities: [Int64], epsilon: Fraction, sensitivity: Int64, monotone: Bool = false,
                              sampler: ExactSampler) -> Int {
        precondition(!utilities.isEmpty && sensitivity > 0)
        let best = utilities.max() ?? 0
        let denominator = epsilon.denominator * BigUInt(monotone ? 1 : 2) * BigUInt(sensitivity)
        while true {
            let candidate = Int(sampler.uniform(below: UInt64(utilities.count)))
            let gap = BigUInt(best - utilities[candidate])
            if sampler.bernoulliExpMinus(Fraction(epsilon.numerator * gap, denominator)) { return candidate }
        }
    }
}
