import Foundation

/// How an output's privately selected groups roll up into public category groups
/// (``AggregateInput/rollUp``): the caller's mapping of every observed group to a category group,
/// and the public list of category groups.
public struct RollUpInput: Sendable, Equatable {
    /// Per group of ``AggregateInput/groupKeys``: its category group, an index into ``categoryKeys``
    /// (−1: counted in no category; the planner never gives it, every value having a category).
    public var categoryOfGroup: [Int32]
    /// Every category group's key, one string per group-by column: the full public list, published
    /// whatever the data, zeros included.
    public var categoryKeys: [[String]]
    /// The share (0 < share < 1) of the output's budget spent on the category counts.
    public var share: Double
    /// Per group (empty: none): never published on its own, only counted in its category, whatever
    /// its noisy count. A public function of the group's key (a raw value that would read as a
    /// category row), so leaving it out of the selection's candidates costs no privacy.
    public var onlyInCategory: [Bool]

    /// Creates a roll-up input.
    public init(categoryOfGroup: [Int32], categoryKeys: [[String]], share: Double, onlyInCategory: [Bool] = []) {
        (self.categoryOfGroup, self.categoryKeys, self.share, self.onlyInCategory) = (categoryOfGroup, categoryKeys, share, onlyInCategory)
    }

    /// True when group `group` may be published on its own.
    func mayStandAlone(_ group: Int) -> Bool { group >= onlyInCategory.count || !onlyInCategory[group] }
}

/// Stage 2 of an output with private keys and a category hierarchy ("no silent drops"): every
/// bounded record whose group DP partition selection did not publish is counted under its
/// category group, so rare values roll up instead of vanishing.
///
/// Mechanism. Stage 1 is the output's own (``AggregateEngine``): contribution bounding (at most G
/// groups and R rows per group for each unit), then Laplace thresholding of the noisy counts,
/// which is (ε₁, δ)-DP with ε₁ the output's budget less this stage's share and less the
/// disclosure's. Let S be the set of groups it published. Stage 2 computes, for every category
/// group c of a public list fixed by the policy, q_S(D)_c = the number of bounded records of D
/// in groups g ∉ S with category(g) = c, and publishes q_S(D) + Z with Z discrete Laplace of
/// scale G·R/ε₂ per category (discrete Gaussian of variance (G·R)²/(2ρ₂) under ρ), ε₂ (ρ₂) this
/// stage's share. Negative counts are published as 0 (post-processing).
///
/// Sensitivity. For every fixed S, adding or removing one unit (its bounded rows appear or not,
/// the coupling under which ``ContributionBounder`` makes stage 1 private) changes q_S by that
/// unit's bounded rows in groups outside S: at most G·R rows in all, whichever categories they
/// fall in. So ‖q_S(D) − q_S(D′)‖₁ ≤ G·R and ‖·‖₂² ≤ (G·R)², and stage 2 is ε₂-DP (ρ₂-zCDP) for
/// every S. The category list is public and every category is published, zeros included, so
/// stage 2 selects nothing and needs no δ.
///
/// Composition. Stage 2 reads stage 1's published output S and nothing else of it: adaptive
/// sequential composition (McSherry 2009, "Privacy integrated queries", Thm 1; Dwork & Roth
/// 2014, Thm 3.16 and §3.5 for adaptively chosen mechanisms) gives (ε₁ + ε₂, δ)-DP for the two
/// stages; under ρ, ρ₁ + ρ₂ (Bun & Steinke 2016, Lemma 2.3). The shares are parts of the
/// output's budget (``AggregateEngine/bound(_:statistics:keys:bounds:budget:weights:sampler:unitRows:disclosure:auto:pool:)``
/// takes this stage's share off what the statistics get), so the output's stated ε and δ, and
/// what the ledger charges, are unchanged.
///
/// What it does not cover: only counts roll up (an output with roll-up has no other statistic);
/// records the contribution bounds left out are in no row, as before (``LeftOutRecords``).
public struct RolledUpCounts: Sendable, Equatable, Codable {
    /// The index in ``AggregateResult/rows`` of the first category row; the category rows run to the end.
    public var firstRow: Int
    /// ε (or ρ) spent on the category counts.
    public var share: Double
    /// G·R: the most one unit moves all the category counts together (L1).
    public var sensitivity: Int
    /// The noise of each category count.
    public var distribution: NoiseDistribution
    /// The 95% margin of each category count.
    public var margin: Double

    /// q_S: per category group, the bounded records of the groups not in `published`. Private: only
    /// ``release(counts:published:input:budget:bounds:gaussian:nonNegative:sampler:)`` may publish it.
    static func exact(counts: [Int], published: [Int], input: RollUpInput) -> [Int] {
        var shown = [Bool](repeating: false, count: counts.count)
        for group in published where group >= 0 && group < counts.count { shown[group] = true }
        var exact = [Int](repeating: 0, count: input.categoryKeys.count)
        for (group, count) in counts.enumerated() where !shown[group] && group < input.categoryOfGroup.count {
            let category = Int(input.categoryOfGroup[group])
            if category >= 0 && category < exact.count { exact[category] += count }
        }
        return exact
    }

    /// The category rows of a bounded output, after stage 1 published `published` (see the type's
    /// guarantee): one row per category group, in ``RollUpInput/categoryKeys`` order, with its
    /// noisy count and margin.
    static func release(counts: [Int], published: [Int], input: RollUpInput, budget: AggregateBudget,
                        bounds: ContributionBounds, gaussian: Bool, nonNegative: Bool,
                        sampler: ExactSampler) -> (rows: [AggregateRow], noise: RolledUpCounts) {
        let exact = exact(counts: counts, published: published, input: input)
        let sensitivity = bounds.groupsPerUnit * bounds.rowsPerUnitPerGroup
        let share = budget.exactTotal
        let parameters = AggregateEngine.noiseParameters(l1: sensitivity, l2Squared: sensitivity * sensitivity, share: share,
                                                         gaussian: gaussian)
        let margin = Double(parameters.distribution.marginOfError())
        let rows = zip(input.categoryKeys, exact).map { key, count in
            let noisy = count + Int(AggregateEngine.draw(parameters, sampler))
            return AggregateRow(key: key, values: [Double(nonNegative ? max(noisy, 0) : noisy)], margins: [margin])
        }
        return (rows, RolledUpCounts(firstRow: published.count, share: share.doubleValue, sensitivity: sensitivity,
                                     distribution: parameters.distribution, margin: margin))
    }
}
