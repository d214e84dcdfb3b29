import DifferentialPrivacy
import Foundation

/// What a reader is told about the records an output's contribution bounds left out: the
/// published DP estimate (``DifferentialPrivacy/LeftOutRecords``), its 95% margin, and the share
/// of all records it stands for, computed from published values only (the estimate and the
/// published noisy counts), so it costs no privacy and anyone can recompute it.
public struct BoundingDisclosure: Sendable {
    public var estimate: Double
    public var margin: Double
    /// The most one person adds to the estimate (the estimate is a lower bound beyond it).
    public var capPerUnit: Int
    /// estimate ÷ (estimate + the sum of the published counts); nil without a count statistic, or
    /// when the estimate is within its own margin of 0 (the share would be noise).
    public var share: Double?

    /// With private keys: the share of the counted records that sit in groups too small to publish,
    /// 1 − (published counts of the groups ÷ the noisy count of every counted record); nil when that
    /// count is within its margin of zero, with public keys, or without a count statistic. With a
    /// roll-up these records are not lost: they are counted in the category rows (``rolledUp``), and
    /// the share is that of the category rows in all published counts, 1 − groups ÷ (groups + categories).
    public var unpublishedShare: Double?

    /// True when the output rolls the records of unpublished groups up into category rows
    /// (``DifferentialPrivacy/RolledUpCounts``): every counted record is then in a published row,
    /// its group's or its category's.
    public var rolledUp = false

    /// The disclosure of `result`; nil when it has none (a record-level output without private keys, an
    /// older release).
    public init?(_ result: AggregateResult) {
        rolledUp = result.rollUp != nil
        let leftOut = result.leftOut.flatMap { $0.capPerUnit > 0 || $0.countedTotal != nil ? $0 : nil }
        guard leftOut != nil || rolledUp else { return nil }
        estimate = leftOut?.estimate ?? 0
        margin = leftOut?.margin ?? 0
        capPerUnit = leftOut?.capPerUnit ?? 0
        if let column = result.statistics.firstIndex(of: "count") {
            let counted = result.rows.reduce(0) { $0 + max($1.values[column], 0) }
            let inGroups = result.groupRows.reduce(0) { $0 + max($1.values[column], 0) }
            if estimate > margin { share = estimate + counted > 0 ? estimate / (estimate + counted) : nil }
            if rolledUp {
                // Every counted record is in a group row or a category row: the published rows are the total.
                unpublishedShare = counted > 0 ? min(1, max(0, 1 - inGroups / counted)) : nil
            } else if let total = leftOut?.countedTotal, let totalMargin = leftOut?.countedTotalMargin, total > totalMargin {
                unpublishedShare = min(1, max(0, 1 - inGroups / total))
            }
        }
    }

    /// One sentence for the report, the dashboard and the data package.
    public func sentence() -> String {
        let records = "records"
        let hidden = unpublishedShare.map { share in
            rolledUp
                ? "Of the \(records) counted, about \(Int((share * 100).rounded()))% are in groups too small to publish on their own (only groups whose noisy count passes a threshold are listed); they are counted in the category rows (keys starting \"category: \"), so every counted record is in a published row."
                : "Of the \(records) counted, about \(Int((share * 100).rounded()))% are in groups too small to publish (only groups whose noisy count passes a threshold are listed)."
        } ?? (rolledUp ? "Groups too small to publish on their own are counted in the category rows (keys starting \"category: \"), so every counted record is in a published row." : "")
        // A record-level output leaves nothing out by bounding; only what selection drops is said.
        guard capPerUnit > 0 else { return hidden }
        return leftOutSentence + (hidden.isEmpty ? "" : " " + hidden)
    }

    /// What the bounds left out, with its margin and the share of records it stands for.
    private var leftOutSentence: String {
        let (records, people) = ("records", "people")
        let cap = "The figure is differentially private (each person adds at most \(capPerUnit) to it, so with very frequent \(people) it is a lower bound)."
        guard estimate > margin else {
            return "At most about \(OutputColumns.format(estimate + margin)) \(records) (95%) are not counted here because \(people) who already "
                + "count the most any one person may add to this table had more; the estimate, \(OutputColumns.format(estimate)) ± "
                + "\(OutputColumns.format(margin)), cannot tell that number from zero. " + cap
        }
        let percent = share.map { " (about \(Int(($0 * 100).rounded()))% of all \(records), counted or not)" } ?? ""
        return "About \(OutputColumns.format(estimate)) \(records) (±\(OutputColumns.format(margin)) at 95%)\(percent) are not counted here: "
            + "they are further \(records) of \(people) who already count the most any one person may add to this table. "
            + cap
    }
}
