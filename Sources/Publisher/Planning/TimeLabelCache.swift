/// The labels of a table's time column at one level (day, week…), per dictionary value, kept while
/// one release plans its outputs so that several outputs grouping by the same column and level
/// label its distinct timestamps once. Holds the table's own values: it lives only as long as the
/// release that reads the table and is never stored or published.
public final class TimeLabelCache {
    /// A time column and the level its values are labelled at.
    public struct Key: Hashable {
        public let column: String
        public let level: String
    }

    /// Labels per dictionary value of the column, in dictionary order.
    var labels: [Key: [String]] = [:]

    /// An empty cache.
    public init() {}
}
