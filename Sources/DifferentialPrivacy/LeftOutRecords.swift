import Foundation

/// A differentially private estimate of the records an aggregate output's contribution bounds
/// left out: rows of people who had more than G groups or more than R rows in a group, which
/// no published count includes ("about 31% of calls are repeat calls by the same caller and
/// are not counted"). Without it a reader sees counts a third below the number of calls and
/// nothing says why.
///
/// Mechanism: the exact query is Σ over people of min(dᵤ, C), where dᵤ is the number of
/// person u's rows in the output's groups that bounding dropped and C = ``capPerUnit(_:)``.
/// Adding or removing one person changes it by at most C (add/remove neighbours, the unit of
/// the output), so discrete Laplace noise of scale C/ε′ gives ε′-DP (Canonne, Kamath & Steinke
/// 2020), or discrete Gaussian noise of variance C²/(2ρ′) gives ρ′-zCDP, where ε′ (ρ′) is the
/// share of the output's budget given to it (``AggregateEngine/bound(_:statistics:keys:bounds:budget:weights:sampler:unitRows:disclosure:)``);
/// the output's statistics share the rest, so the output's stated ε is unchanged by sequential
/// composition. Negative estimates are published as 0 (post-processing).
///
/// With private keys (DP partition selection), the same share also pays, half each, for a noisy
/// count of every record the output counts (after bounding; one person moves it by at most
/// G·R), so the share of counted records in groups too small to publish can be read off the
/// published counts (Wilson et al. 2020 publish nothing about them). With a roll-up
/// (``RolledUpCounts``) it does not: every counted record is then in a published row, its group's
/// or its category's, so the published rows add up to the counted total themselves.
///
/// What it does not cover: a person with more than C left-out rows counts C, so with very
/// frequent callers the estimate is a lower bound; the cap is stated beside the figure.
public struct LeftOutRecords: Sendable, Equatable, Codable {
    /// The noisy number of left-out records, at least 0.
    public var estimate: Double
    /// Its 95% margin of error.
    public var margin: Double
    /// C: the most left-out records one person adds; 0 for a record-level output, whose bounding
    /// leaves nothing out (its estimate is then 0 without noise, whatever the data).
    public var capPerUnit: Int
    /// ε (or ρ) spent on it (on both figures, with private keys).
    public var share: Double
    public var distribution: NoiseDistribution
    /// With private keys: a noisy count of every record the output counts, in published groups
    /// or not (sensitivity G·R, half of the disclosure's budget), so a reader can see how many
    /// counted records sit in groups too small to publish. Nil with public keys.
    public var countedTotal: Double? = nil
    /// Its 95% margin.
    public var countedTotalMargin: Double? = nil

    /// C for bounds of G groups and R rows per group: 2·G·R, twice what one person may add to the counts.
    public static func capPerUnit(_ bounds: ContributionBounds) -> Int {
        2 * bounds.groupsPerUnit * bounds.rowsPerUnitPerGroup
    }

    /// What an output's statistics share when `disclosure` of its budget pays for this estimate.
    public static func statisticsBudget(_ budget: AggregateBudget, disclosure: Double) -> AggregateBudget {
        disclosure > 0 ? budget.scaled(by: 1 - disclosure) : budget
    }

    /// Σ over units of min(rows in a group that were not kept, `cap`). Private: only ``release`` may publish it.
    static func exact(units: [Int32], groups: [Int32], kept: [Int32], cap: Int) -> Int {
        let unitCount = Int(units.max() ?? -1) + 1
        var left = [Int32](repeating: 0, count: unitCount)
        for row in units.indices where groups[row] >= 0 && units[row] >= 0 { left[Int(units[row])] &+= 1 }
        for row in kept where units[Int(row)] >= 0 { left[Int(units[Int(row)])] &-= 1 }
        return left.reduce(0) { $0 + min(Int(max($1, 0)), cap) }
    }

    /// The noisy estimate of `exact` (see the type's guarantee); with `counted` (private keys), also
    /// the noisy count of every counted record, each figure at half of `budget` (sequential composition).
    static func release(exact: Int, cap: Int, counted: (rows: Int, sensitivity: Int)? = nil, budget: AggregateBudget, gaussian: Bool,
                        sampler: ExactSampler) -> LeftOutRecords {
        let whole = budget.exactTotal
        // A record-level output (cap 0) leaves nothing out: its estimate is 0 without noise, and the
        // count of counted records gets the whole share.
        let share = counted == nil || cap == 0 ? whole : whole / Fraction(2)
        var totals: (value: Double, margin: Double)?
        if let counted {
            let parameters = AggregateEngine.noiseParameters(l1: counted.sensitivity, l2Squared: counted.sensitivity * counted.sensitivity,
                                                             share: share, gaussian: gaussian)
            totals = (Double(max(counted.rows + Int(AggregateEngine.draw(parameters, sampler)), 0)), Double(parameters.distribution.marginOfError()))
        }
        let parameters = AggregateEngine.noiseParameters(l1: cap, l2Squared: cap * cap, share: share, gaussian: gaussian)
        guard cap > 0 else {
            return LeftOutRecords(estimate: 0, margin: 0, capPerUnit: 0, share: whole.doubleValue, distribution: parameters.distribution,
                                  countedTotal: totals?.value, countedTotalMargin: totals?.margin)
        }
        return LeftOutRecords(estimate: Double(max(exact + Int(AggregateEngine.draw(parameters, sampler)), 0)), margin: Double(parameters.distribution.marginOfError()),
                              capPerUnit: cap, share: whole.doubleValue, distribution: parameters.distribution,
                              countedTotal: totals?.value, countedTotalMargin: totals?.margin)
    }

}
