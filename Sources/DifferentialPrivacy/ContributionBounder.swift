import Foundation
import Tabular

/// Contribution bounding per privacy unit (Wilson et al. 2020, "Differentially
/// Private SQL with Bounded User Contribution", §3).
///
/// Guarantee: after bounding, each unit has rows in at most `groupsPerUnit`
/// groups and at most `rowsPerUnitPerGroup` rows in each; which groups and rows
/// survive is chosen uniformly at random with the given sampler (never
/// first-come, which an attacker could steer by timing). Adding or removing one
/// unit therefore changes each group's count by at most `rowsPerUnitPerGroup`
/// and at most `groupsPerUnit` groups, which is what the mechanisms' sensitivity assumes.
public struct ContributionBounds: Sendable, Equatable {
    public var groupsPerUnit: Int
    public var rowsPerUnitPerGroup: Int

    public init(groupsPerUnit: Int, rowsPerUnitPerGroup: Int) {
        self.groupsPerUnit = groupsPerUnit
        self.rowsPerUnitPerGroup = rowsPerUnitPerGroup
    }

    /// Each record is its own unit and counts once in one group.
    public static let recordLevel = ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1)
}

/// The rows of each privacy unit, in row order: a counting sort on the
/// (dense, non-negative) unit codes, done once per table and shared by every
/// output that bounds contributions over it.
public struct UnitRows: Sendable {
    /// Rows grouped by unit, each unit's rows in row order.
    let rows: [Int32]
    /// Unit `u`'s rows are `rows[start[u]..<start[u + 1]]`.
    let start: [Int32]

    /// Rows in the table this was built from.
    public var rowCount: Int { rows.count }

    /// Groups the rows of `units` (one non-negative code per row): a counting sort over two
    /// halves of the rows, each counted and scattered on its own core, the second half's rows of a
    /// unit placed after the first half's, so each unit's rows stay in row order.
    public init(units: [Int32]) {
        let unitCount = Int(units.max() ?? -1) + 1
        let halves = Parallel.map(ranges: units.count, minimum: 1 << 17, cores: 2) { $0 }
        let tallies = Parallel.map(halves.count) { half in
            var tally = [Int32](repeating: 0, count: unitCount)
            for row in halves[half] { tally[Int(units[row])] &+= 1 }
            return tally
        }
        var start = [Int32](repeating: 0, count: unitCount + 1)
        for unit in 0..<unitCount { start[unit + 1] = start[unit] &+ tallies.reduce(0) { $0 &+ $1[unit] } }
        // Where each half's rows of each unit begin.
        var firsts = [Array(start.dropLast())]
        for half in tallies.indices.dropLast() { firsts.append(zip(firsts[half], tallies[half]).map { $0 &+ $1 }) }
        let rows = [Int32](unsafeUninitializedCapacity: units.count) { buffer, initialized in
            nonisolated(unsafe) let output = buffer
            _ = Parallel.map(halves.count) { half in
                var position = firsts[half]
                for row in halves[half] {
                    output.initializeElement(at: Int(position[Int(units[row])]), to: Int32(truncatingIfNeeded: row))
                    position[Int(units[row])] &+= 1
                }
                return 0
            }
            initialized = units.count
        }
        self.rows = rows
        self.start = start
    }
}

enum ContributionBounder {
    /// The rows kept: at most `bounds.groupsPerUnit` groups per unit, at most
    /// `bounds.rowsPerUnitPerGroup` rows per unit and group, chosen at random.
    /// Rows whose group is negative (outside the key set) are dropped first.
    /// Unit codes must be non-negative (dense dictionary codes). Rows are numbered as the codes
    /// are (Int32: half the memory of Int at ten million rows).
    static func bound(units: [Int32]?, groups: [Int32], bounds: ContributionBounds, sampler: ExactSampler) -> [Int32] {
        guard let units else {
            // Record-level privacy: each row is a unit with one row in one group.
            return groups.indices.filter { groups[$0] >= 0 }.map { Int32($0) }
        }
        return bound(unitRows: UnitRows(units: units), groups: groups, bounds: bounds, sampler: sampler)
    }

    /// ``bound(units:groups:bounds:sampler:)`` over rows already grouped by unit.
    ///
    /// A unit within the bounds (at most G groups, at most R rows in each) keeps every row and
    /// draws nothing; only the others draw. So the units are first sorted into the two kinds on
    /// every core, each core taking a consecutive range of units and marking the rows of the units
    /// within the bounds; then the units that draw are bounded on one thread, in unit order, exactly
    /// as a single pass over all units would: the same draws in the same order, so the kept rows are
    /// a function of the data and the sampler's output alone, never of thread scheduling.
    static func bound(unitRows: UnitRows, groups: [Int32], bounds: ContributionBounds, sampler: ExactSampler) -> [Int32] {
        // Kept rows are marked, then collected in row order (no final sort).
        var keep = [Bool](repeating: false, count: groups.count)
        let start = unitRows.start, rows = unitRows.rows
        let unitCount = start.count - 1
        let drawing: [[Int]] = keep.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let marks = buffer
            return Parallel.map(ranges: unitCount, minimum: 100_000, cores: min(ProcessInfo.processInfo.activeProcessorCount, 4)) { units -> [Int] in
                var scratch = Scratch()
                var drawing: [Int] = []
                for unit in units {
                    // Most units hold a few rows: those are checked in place, without sorting.
                    if let within = Self.fewRowsWithin(unit: unit, start: start, rows: rows, groups: groups, bounds: bounds) {
                        if within {
                            for i in Int(start[unit])..<Int(start[unit + 1]) where groups[Int(rows[i])] >= 0 { marks[Int(rows[i])] = true }
                        } else {
                            drawing.append(unit)
                        }
                        continue
                    }
                    scratch.load(unit: unit, start: start, rows: rows, groups: groups)
                    if scratch.eligible.count <= 1 || scratch.isWithin(bounds) {
                        for row in scratch.eligible { marks[row] = true }
                    } else {
                        drawing.append(unit)
                    }
                }
                return drawing
            }
        }
        // Reused for every unit that draws (millions in a backfill), so no unit allocates.
        var scratch = Scratch()
        var chosen: [Int] = []
        var groupRows: [Int] = []
        for unit in drawing.joined() {
            scratch.load(unit: unit, start: start, rows: rows, groups: groups)
            let pairs = scratch.pairs, groupStarts = scratch.groupStarts
            chosen.removeAll(keepingCapacity: true)
            chosen.append(contentsOf: groupStarts.indices)
            shuffleFront(&chosen, keeping: bounds.groupsPerUnit, sampler)
            for g in chosen.prefix(bounds.groupsPerUnit) {
                let from = groupStarts[g], to = g + 1 < groupStarts.count ? groupStarts[g + 1] : pairs.count
                groupRows.removeAll(keepingCapacity: true)
                for i in from..<to { groupRows.append(pairs[i].row) }
                shuffleFront(&groupRows, keeping: bounds.rowsPerUnitPerGroup, sampler)
                for row in groupRows.prefix(bounds.rowsPerUnitPerGroup) { keep[row] = true }
            }
        }
        return Self.marked(keep)
    }

    /// Whether a unit of at most eight rows is within `bounds` (at most G groups with at most R
    /// eligible rows each; a unit with at most one eligible row always is), decided by comparing
    /// its eligible rows' groups pairwise; nil for a unit of more rows (``Scratch`` decides).
    static func fewRowsWithin(unit: Int, start: [Int32], rows: [Int32], groups: [Int32], bounds: ContributionBounds) -> Bool? {
        let from = Int(start[unit]), to = Int(start[unit + 1])
        guard to - from <= 8 else { return nil }
        var seen: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &seen) { raw in
            let eligible = raw.bindMemory(to: Int32.self)
            var count = 0
            for i in from..<to where groups[Int(rows[i])] >= 0 {
                eligible[count] = groups[Int(rows[i])]
                count += 1
            }
            guard count > 1 else { return true }
            var distinct = 0
            for i in 0..<count {
                var rowsInGroup = 0, firstOfGroup = true
                for j in 0..<count where eligible[j] == eligible[i] {
                    rowsInGroup += 1
                    if j < i { firstOfGroup = false }
                }
                if rowsInGroup > bounds.rowsPerUnitPerGroup { return false }
                if firstOfGroup { distinct += 1 }
            }
            return distinct <= bounds.groupsPerUnit
        }
    }

    /// The indices of the true entries of `keep`, ascending, collected on every core.
    static func marked(_ keep: [Bool]) -> [Int32] {
        let ranges = Parallel.map(ranges: keep.count, minimum: 1 << 16) { $0 }
        let counts = Parallel.map(ranges.count) { part in ranges[part].reduce(0) { $0 + (keep[$1] ? 1 : 0) } }
        var offsets = [0]
        for count in counts { offsets.append(offsets[offsets.count - 1] + count) }
        return [Int32](unsafeUninitializedCapacity: offsets[offsets.count - 1]) { buffer, initialized in
            nonisolated(unsafe) let output = buffer
            _ = Parallel.map(ranges.count) { part in
                var at = offsets[part]
                for row in ranges[part] where keep[row] {
                    output.initializeElement(at: at, to: Int32(row))
                    at += 1
                }
                return 0
            }
            initialized = offsets[offsets.count - 1]
        }
    }

    /// One unit's eligible rows (group ≥ 0, in row order) and, for a unit with several, its rows
    /// ordered by group then row with where each group begins. Reused from unit to unit.
    struct Scratch {
        var eligible: [Int] = []
        var pairs: [(group: Int32, row: Int)] = []
        var groupStarts: [Int] = []

        mutating func load(unit: Int, start: [Int32], rows: [Int32], groups: [Int32]) {
            eligible.removeAll(keepingCapacity: true)
            for i in Int(start[unit])..<Int(start[unit + 1]) where groups[Int(rows[i])] >= 0 { eligible.append(Int(rows[i])) }
            pairs.removeAll(keepingCapacity: true)
            groupStarts.removeAll(keepingCapacity: true)
            guard eligible.count > 1 else { return }
            // Rows arrive in row order, so a stable sort on the group suffices; ties are broken by row anyway.
            for row in eligible { pairs.append((groups[row], row)) }
            pairs.sort { $0.group != $1.group ? $0.group < $1.group : $0.row < $1.row }
            for i in pairs.indices where i == 0 || pairs[i].group != pairs[i - 1].group { groupStarts.append(i) }
        }

        /// True when the loaded unit has at most G groups and at most R rows in each: it keeps
        /// every row and the bounding draws nothing for it.
        func isWithin(_ bounds: ContributionBounds) -> Bool {
            guard groupStarts.count <= bounds.groupsPerUnit else { return false }
            for (g, from) in groupStarts.enumerated() {
                let to = g + 1 < groupStarts.count ? groupStarts[g + 1] : pairs.count
                if to - from > bounds.rowsPerUnitPerGroup { return false }
            }
            return true
        }
    }

    static func shuffleFront<T>(_ items: inout [T], keeping: Int, _ sampler: ExactSampler) {
        guard items.count > keeping else { return }
        for i in 0..<keeping {
            let j = i + Int(sampler.uniform(below: UInt64(items.count - i)))
            items.swapAt(i, j)
        }
    }
}
