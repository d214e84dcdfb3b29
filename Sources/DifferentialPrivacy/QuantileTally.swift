/// One group's clamped values as ``QuantileMechanism`` reads them: each distinct value once,
/// ascending, with how many records hold it.
///
/// The mechanism's utility counts the records below and above each candidate (B(x) and A(x)),
/// so it depends on the multiset of values and on nothing else: a tally of a group's records
/// gives exactly the utilities, hence exactly the draws, that the records themselves give
/// (`QuantileMechanismTests` checks this on records in any order, with ties and repeats). It
/// holds the distinct values instead of the records: at ten million rows in 200 groups with
/// values in whole seconds of an hour, 3,601 counts a group instead of 50,000 values.
struct QuantileTally: Sendable, Equatable {
    /// The distinct values, strictly ascending.
    private(set) var values: [Int] = []
    /// How many records hold each of `values` (each at least 1).
    private(set) var counts: [Int] = []
    /// The number of records.
    private(set) var total = 0

    /// The empty tally (a group without records).
    init() {}

    /// The tally of `records`, in any order. Counted in an array over their range when that is
    /// small beside their number (a whole second of an hour, a few groups per person), sorted
    /// otherwise.
    init(_ records: [Int]) {
        guard let smallest = records.min(), let largest = records.max() else { return }
        let (span, overflow) = largest.subtractingReportingOverflow(smallest)
        if !overflow && span < 4 * records.count + 1_024 {
            var histogram = [Int](repeating: 0, count: span + 1)
            for record in records { histogram[record - smallest] += 1 }
            for (offset, count) in histogram.enumerated() where count > 0 { append(smallest + offset, count: count) }
            return
        }
        for record in records.sorted() {
            if values.last == record { counts[counts.count - 1] += 1; total += 1 } else { append(record, count: 1) }
        }
    }

    /// Adds `count` records of `value`, which must exceed every value already held.
    mutating func append(_ value: Int, count: Int) {
        precondition(count > 0 && (values.last.map { $0 < value } ?? true), "a tally grows by new, larger values")
        values.append(value)
        counts.append(count)
        total += count
    }

    /// Each group's tally of the clamped values of `measure` over the kept rows (`kept` ascending
    /// row indices, `groups` each row's group): what appending each kept row's clamped value to its
    /// group's list and tallying each list gives, without the lists.
    ///
    /// The measure's distinct values are clamped once and put in order (its levels); each core counts
    /// its range of the kept rows in a table of groups × levels, and the tables are added. When that
    /// table would hold more than a million cells and more than an eighth of the kept rows (many
    /// groups of many distinct values), each
    /// group's levels are listed instead and tallied group by group.
    static func perGroup(_ measure: MeasureColumn, low: Int, high: Int, kept: [Int32], groups: [Int32], groupCount: Int) -> [QuantileTally] {
        let clamped = measure.clamped(low, high), codes = measure.codes
        let levels = Array(Set(clamped.compactMap { $0 })).sorted()
        let position = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
        // Each code's level, −1 for a missing value.
        let levelOf = clamped.map { value in value.flatMap { position[$0] } ?? -1 }
        let width = levels.count
        guard width > 0, groupCount > 0 else { return [QuantileTally](repeating: QuantileTally(), count: groupCount) }
        var tallies = [QuantileTally](repeating: QuantileTally(), count: groupCount)
        // A table a core may hold: an eighth of the kept rows' cells, or a million.
        let (cells, overflow) = groupCount.multipliedReportingOverflow(by: width)
        if !overflow && cells <= max(kept.count / 8, 1 << 20) {
            let table = AggregateEngine.addedUp(AggregateEngine.overKept(kept) { rows in
                var table = [Int](repeating: 0, count: cells)
                for row in rows.lazy.map({ Int($0) }) where codes[row] >= 0 {
                    let level = levelOf[Int(codes[row])]
                    if level >= 0 { table[Int(groups[row]) * width + Int(level)] += 1 }
                }
                return table
            }, cells)
            for group in 0..<groupCount {
                for level in 0..<width where table[group * width + level] > 0 {
                    tallies[group].append(levels[level], count: table[group * width + level])
                }
            }
            return tallies
        }
        let parts = AggregateEngine.overKept(kept) { rows in
            var lists = [[Int]](repeating: [], count: groupCount)
            for row in rows.lazy.map({ Int($0) }) where codes[row] >= 0 {
                let level = levelOf[Int(codes[row])]
                if level >= 0 { lists[Int(groups[row])].append(Int(level)) }
            }
            return lists
        }
        for group in 0..<groupCount {
            let byLevel = QuantileTally(parts.flatMap { $0[group] })
            for (level, count) in zip(byLevel.values, byLevel.counts) { tallies[group].append(levels[level], count: count) }
        }
        return tallies
    }
}
