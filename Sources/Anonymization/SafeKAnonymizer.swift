import Foundation
import Tabular

/// Strongly safe k-anonymisation for differentially private record files
/// (Li, Qardaji & Su 2012; SafePub, Bild, Kuhn & Prasser 2018): a full-domain
/// generalisation applied to a random sample, every class with fewer than k
/// records suppressed. This type does the data side; choosing the
/// transformation with the exponential mechanism and drawing the sample belong
/// to the caller (``DifferentialPrivacy`` is a separate module).
///
/// Every column of the table is part of the class key: Li et al.'s theorem
/// is about whole generalised records, so a column left out of the key (a
/// "sensitive" one) would leave the proof. Records are classes by every
/// published value.
///
/// Utility (``utilities(_:hierarchies:heights:k:progress:)``): with m columns and
/// D = lcm(h_c − 1) over the columns' heights h_c, a record of a transformation
/// with levels l costs c = Σ_c l_c · D/(h_c − 1) (its normalised generalisation
/// height, Sweeney's precision metric scaled to integers: 0 for the original
/// values, m·D when every column is `*`); the cost depends only on the
/// transformation, never on the data. The utility is
///
///     u = Σ over classes E of  w(|E|) · (2·m·D − c),   w(s) = s for s ≥ k, max(0, 2s − k) below,
///
/// the records published, each worth between half a record (every column `*`) and a
/// whole one (every column as it is), counted fully in classes that are published and
/// ramped down to nothing in classes that are suppressed. Counting every published
/// record at least half keeps the choice on transformations that publish most of the
/// sample when the sample is small (there the only such transformations are coarse, and
/// a utility that counts detail alone cannot tell them from ones that publish nothing).
/// The ramp replaces the cliff at k (where one record decides the fate of k − 1 others),
/// so one record changes w(|E|) of its own class by at most 2 and leaves every other
/// class alone: the sensitivity is Δu = 2·2·m·D for every transformation, against
/// (k − 1)·2·m·D for a utility that charges suppressed records in full.
///
/// The utility is monotone: w never decreases as a class grows, so adding a record
/// never lowers any transformation's utility (and removing one never raises it). The
/// exponential mechanism may then use exp(ε·u/Δu) instead of exp(ε·u/(2·Δu))
/// (McSherry & Talwar 2007; Dwork & Roth 2014, remark after Thm. 3.10);
/// ``Scores/monotone`` says so.
public enum SafeKAnonymizer {
    /// Every transformation of the lattice with its utility.
    public struct Scores: Sendable {
        /// Level combinations, in a fixed order that depends only on `heights`.
        public var nodes: [[Int]]
        /// Utility of each node (higher is better; ≥ 0).
        public var utilities: [Int64]
        /// The utility's sensitivity to one record (see the type's documentation).
        public var sensitivity: Int64
        /// True: adding a record never lowers a utility (see the type's documentation).
        public var monotone: Bool { true }
    }

    /// The lattice spanned by `heights` (each column from its level in `lowest`, default 0), in lexicographic order.
    public static func lattice(heights: [Int], lowest: [Int]? = nil) -> [[Int]] {
        var nodes: [[Int]] = [[]]
        for (c, height) in heights.enumerated() {
            let first = min(lowest?[c] ?? 0, max(height - 1, 0))
            nodes = nodes.flatMap { prefix in (first..<max(height, 1)).map { prefix + [$0] } }
        }
        return nodes
    }

    /// Scores every transformation of the lattice of `heights` on `table` (the sample).
    ///
    /// - Parameters:
    ///   - hierarchies: one per column of `table`, built on the sample's values;
    ///     when the table has rows, each hierarchy's height must equal `heights`.
    ///   - heights: the lattice's shape, from the policy, never from the data.
    ///   - lowest: the lowest level each column may take (from the policy, never from the data);
    ///     default 0.
    /// - Throws: ``AnonymizationError/invalidConfiguration(_:)`` when k < 1, the hierarchies and
    ///   heights differ in number or are empty, a hierarchy's height differs from `heights` or its
    ///   rows differ in length, or the table lacks a hierarchy's column;
    ///   ``AnonymizationError/valueNotCovered(column:value:)`` or
    ///   ``AnonymizationError/lastLevelNotSuppressed(column:value:)`` when a hierarchy does not fit
    ///   the sample.
    public static func utilities(_ table: Table, hierarchies: [Hierarchy], heights: [Int], lowest: [Int]? = nil, k: Int,
                                 progress: (@Sendable (Int, Int) -> Void)? = nil) throws(AnonymizationError) -> Scores {
        guard k >= 1 else { throw .invalidConfiguration("k must be at least 1") }
        guard hierarchies.count == heights.count, !heights.isEmpty else {
            throw .invalidConfiguration("one hierarchy and one height per column are needed")
        }
        let m = Int64(heights.count)
        let denominator = heights.reduce(Int64(1)) { lcm($0, Int64(max($1 - 1, 1))) }
        let nodes = lattice(heights: heights, lowest: lowest)
        let sensitivity = 2 * 2 * m * denominator
        guard table.rowCount > 0 else {
            return Scores(nodes: nodes, utilities: [Int64](repeating: 0, count: nodes.count), sensitivity: sensitivity)
        }
        for (hierarchy, height) in zip(hierarchies, heights) where hierarchy.height != height {
            throw .invalidConfiguration("column '\(hierarchy.column)': the hierarchy has \(hierarchy.height) levels where the policy gives \(height)")
        }
        let data = try EncodedData(table: table, hierarchies: hierarchies, sensitive: nil, sensitiveHierarchy: nil)
        let models: [PrivacyModel] = [.kAnonymity(k)]
        let bottom = Cells.bottom(data)
        // Levels that split the sample's values into the same groups (a one-day window is one day,
        // one week and one month) give a node the classes of the node with the lower level, so only
        // the nodes at their lowest such levels ("canonical") are grouped.
        func canonical(_ levels: [Int]) -> [Int] {
            levels.indices.map { c in
                (min(lowest?[c] ?? 0, levels[c])...levels[c]).first { data.samePartition(c, $0, levels[c]) } ?? levels[c]
            }
        }
        let position = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
        let canonicalOf = nodes.indices.map { position[canonical(nodes[$0])] ?? $0 }
        let grouped = nodes.indices.filter { canonicalOf[$0] == $0 }
        // The grouped nodes split on up to two two-level columns (value or `*`) into parts, each
        // closed under every other column, scored on the cores side by side (heaviest part first,
        // as the parts with original values have the most cells); without such a column, one part.
        let splits = Array(heights.indices.filter { heights[$0] == 2 && (lowest?[$0] ?? 0) == 0 }.suffix(2))
        var parts: [[Int]] = [grouped]
        for column in splits {
            parts = parts.flatMap { part in [part.filter { nodes[$0][column] == 0 }, part.filter { nodes[$0][column] == 1 }] }
        }
        let counter = ProgressCounter(total: grouped.count, report: progress)
        // Cells kept per part for rolling up: a few times the sample (8 bytes a cell), the largest
        // dropped first, as small cells are the cheap sources of the coarse nodes still to come.
        let cacheLimit = max(2_000_000, 8 * data.tupleCount)
        let partsToScore = parts
        let scored = Parallel.map(partsToScore.count) { part -> [(node: Int, weight: Int64)] in
            // Finer nodes first, so each node rolls up from the cells of a node below it.
            let order = partsToScore[part].sorted { nodes[$0].reduce(0, +) < nodes[$1].reduce(0, +) }
            let scratch = GroupingScratch()
            var cache: [Cells] = []
            var cached = 0
            var weights: [(node: Int, weight: Int64)] = []
            for node in order {
                let levels = nodes[node]
                var source = bottom
                for cells in cache where cells.count.count < source.count.count && data.rollsUp(from: cells.levels, to: levels) {
                    source = cells
                }
                let classes = EquivalenceClasses(data: data, levels: levels, from: source, models: models, closeness: nil,
                                                 scratch: scratch)
                var weight: Int64 = 0
                for count in classes.counts { weight += count >= k ? Int64(count) : Int64(max(0, 2 * count - k)) }
                weights.append((node, weight))
                let size = classes.cells.count.count
                if size < source.count.count, size <= cacheLimit {
                    cache.append(classes.cells)
                    cached += size
                    while cached > cacheLimit, let largest = cache.indices.max(by: { cache[$0].count.count < cache[$1].count.count }) {
                        cached -= cache[largest].count.count
                        cache.remove(at: largest)
                    }
                }
                counter.advance()
            }
            return weights
        }
        var results = [Int64](repeating: 0, count: nodes.count)
        for (node, weight) in scored.joined() { results[node] = weight }
        let utilities = nodes.indices.map { node in
            let cost = zip(nodes[node], heights).reduce(Int64(0)) { sum, pair in
                pair.1 > 1 ? sum + Int64(pair.0) * (denominator / Int64(pair.1 - 1)) : sum
            }
            return results[canonicalOf[node]] * (2 * m * denominator - cost)
        }
        return Scores(nodes: nodes, utilities: utilities, sensitivity: sensitivity)
    }

    /// `table` generalised at `levels`, with every record of a class smaller than k removed.
    ///
    /// - Throws: ``AnonymizationError/invalidConfiguration(_:)`` when the table lacks a hierarchy's
    ///   column or a hierarchy's rows differ in length; ``AnonymizationError/valueNotCovered(column:value:)``
    ///   or ``AnonymizationError/lastLevelNotSuppressed(column:value:)`` when a hierarchy does not
    ///   fit the data. An empty table is returned as it is.
    public static func apply(_ table: Table, hierarchies: [Hierarchy], levels: [Int], k: Int) throws(AnonymizationError) -> Table {
        guard table.rowCount > 0 else { return table }
        let data = try EncodedData(table: table, hierarchies: hierarchies, sensitive: nil, sensitiveHierarchy: nil)
        let classes = EquivalenceClasses(data: data, levels: levels, from: Cells.bottom(data), models: [.kAnonymity(k)],
                                         closeness: nil)
        let (generalised, suppressed) = Anonymizer.apply(levels, classes, data: data, to: table, sensitive: nil)
        let keep = suppressed.map { !$0 }
        return Table(columns: generalised.columns.map { $0.filtered(keeping: keep) })
    }

    /// Counts scored nodes across the parts for the progress callback.
    private final class ProgressCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var done = 0
        let total: Int
        let report: (@Sendable (Int, Int) -> Void)?
        init(total: Int, report: (@Sendable (Int, Int) -> Void)?) {
            self.total = total
            self.report = report
        }
        func advance() {
            lock.lock()
            done += 1
            let now = done
            lock.unlock()
            report?(now, total)
        }
    }

    static func lcm(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / x * b
    }
}
