import DifferentialPrivacy
import PrivacyPolicy
import Tabular

/// The rows a record-level file may draw from, and the order it is written in.
///
/// - One row per person: when the dataset has a `privacy_unit`, each unit keeps
///   one of its rows, chosen uniformly with the OS CSPRNG, so a class of k
///   records is a class of k different people ("k counts people"), and adding
///   or removing one person changes at most one row, the neighbouring relation
///   the differentially private record release is proved for.
/// - Rows whose unit is missing or empty are left out: a NULL id is nobody in
///   particular, and treating each such row as a person would let one caller
///   with a missing id fill a class alone.
/// - Published rows are written in a uniformly random order (Fisher–Yates with
///   exact uniform draws), so a row's position says nothing about the source's
///   order (time of the call, insertion order).
public enum RecordSelection {
    /// What the selection kept; the counts are exact and private (steward's log only).
    public struct Selected {
        public var table: Table
        /// Rows dropped because their unit was missing or empty.
        public var withoutUnit: Int
        /// Rows dropped because their unit already had a row.
        public var repeats: Int
    }

    /// One uniformly chosen row per privacy unit of `policy` (all rows when it has
    /// none), restricted to `columns`; the unit column itself is never kept.
    public static func onePerUnit(_ table: Table, policy: Policy, columns: [String], sampler: ExactSampler) -> Selected {
        let published = Table(columns: columns.compactMap { table.column(named: $0) })
        guard let unit = policy.privacyUnit, let units = table.column(named: unit) else {
            return Selected(table: published, withoutUnit: 0, repeats: 0)
        }
        let blank = units.rowsWithoutUnit()
        // Reservoir of size one per unit: the i-th row of a unit replaces the kept one with probability 1/i.
        var chosen = [Int](repeating: -1, count: units.dictionary.count)
        var seen = [UInt64](repeating: 0, count: units.dictionary.count)
        var withoutUnit = 0
        for (row, code) in units.codes.enumerated() {
            if blank[row] {
                withoutUnit += 1
                continue
            }
            seen[Int(code)] += 1
            if sampler.uniform(below: seen[Int(code)]) == 0 { chosen[Int(code)] = row }
        }
        var keep = [Bool](repeating: false, count: table.rowCount)
        var kept = 0
        for row in chosen where row >= 0 {
            keep[row] = true
            kept += 1
        }
        return Selected(table: Table(columns: published.columns.map { $0.filtered(keeping: keep) }), withoutUnit: withoutUnit,
                        repeats: table.rowCount - withoutUnit - kept)
    }

    /// Each Bernoulli(β) row of `table`, β = 1 − e^(−exponent), drawn exactly (kept when a
    /// Bernoulli(e^(−exponent)) draw fails).
    public static func sample(_ table: Table, exponent: Fraction, sampler: ExactSampler) -> Table {
        let keep = (0..<table.rowCount).map { _ in !sampler.bernoulliExpMinus(exponent) }
        return Table(columns: table.columns.map { $0.filtered(keeping: keep) })
    }

    /// `table`'s rows in a uniformly random order.
    public static func shuffled(_ table: Table, sampler: ExactSampler) -> Table {
        var order = Array(0..<table.rowCount)
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(sampler.uniform(below: UInt64(i + 1))))
            }
        }
        return Table(columns: table.columns.map { column in
            Column(name: column.name, dictionary: column.dictionary, codes: order.map { column.codes[$0] }).compacted()
        })
    }
}
