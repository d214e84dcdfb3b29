import Foundation
import GRDB
import Tabular

extension ColumnBlocks {
    /// One column of one block, decoded and checked.
    struct Part {
        var values: ValueBatch
        var codes: [Int32]
        /// Per value: SQLite's Julian day (NaN for NULL) and whether it names its zone.
        var days: [Double]?
        var zoned: [Bool]?
    }

    /// A stretch of the table in rowid order: rows no block covers (read by the row reader), or a block.
    enum Piece {
        case rows([Tabular.Column])
        case block(parts: [String: Part], keep: [Bool]?)
    }

    /// The columns `names` (`plan.columns`, then its derived columns) of the rows `plan` selects,
    /// read from the blocks and, for rows no block covers, from the table, all in `db`'s snapshot;
    /// nil when the blocks cannot answer exactly (see ``ColumnBlocks``), and the row reader must.
    ///
    /// - Throws: What SQLite throws.
    static func read(_ plan: ReadPlan, names: [String], in db: Database) throws -> [Tabular.Column]? {
        guard enabled, try db.tableExists(table), let schema = try eligibleSchema(plan.table, in: db),
              try hasTriggers(plan.table, in: db),
              let recorded = try? Int64.fetchOne(db, sql: "SELECT schema_version FROM \(coverTable) WHERE table_name = ?", arguments: [plan.table]),
              try recorded == schemaVersion(in: db) else { return nil }

        // Which blocks there are, and whether each can answer the plan.
        var timed: Set<String> = []
        if let window = plan.window { timed.insert(window.column) }
        for (_, derivation) in plan.derived {
            if case let .secondsBetween(start, end) = derivation { timed.formUnion([start, end]) }
        }
        let excluded = Set(plan.exclude.filter { !$0.values.isEmpty }.map(\.column))
        let touched = plan.touchedColumns.sorted()
        var blocks: [(first: Int64, last: Int64, rows: Int, columns: [String: (kinds: Int32, timed: Bool)])] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT first_rowid, last_rowid, row_count, column_name, kinds, times IS NOT NULL, schema_sql
            FROM \(table) WHERE table_name = ? ORDER BY first_rowid
            """, arguments: [plan.table]) {
            guard (row[6] as String) == schema else { return nil }
            let first: Int64 = row[0]
            if blocks.last?.first != first {
                guard blocks.last.map({ $0.last < first }) ?? true, (row[1] as Int64) >= first else { return nil }
                blocks.append((first, row[1], row[2], [:]))
            }
            blocks[blocks.count - 1].columns[row[3]] = (row[4], row[5])
        }
        guard !blocks.isEmpty else { return nil }
        for block in blocks {
            for column in touched {
                guard let info = block.columns[column],
                      !timed.contains(column) || info.timed,
                      !excluded.contains(column) || info.kinds & (floatKind | blobKind) == 0 else { return nil }
            }
        }

        let marks = Array(repeating: "?", count: touched.count).joined(separator: ", ")
        let fetch = try db.makeStatement(sql: "SELECT column_name, dictionary, codes, times FROM \(table) WHERE table_name = ? AND first_rowid = ? AND column_name IN (\(marks))")
        // The blobs are fetched in rowid order on this connection, each copied out of SQLite's pages once,
        // straight into the arrays the column is built from (a copy as `Data` first would hold the 160 MB of
        // codes at 10 M rows twice); blocks are then checked and masked on every core. A blob that does not
        // decode is nil.
        enum Fetched {
            case rows([Tabular.Column])
            case block(rows: Int, blobs: [(column: String, values: ValueBatch?, codes: [Int32]?, times: Data?)])
        }
        var fetched: [Fetched] = []
        func rows(_ range: ClosedRange<Int64>) throws {
            let (sql, arguments) = plan.query(rowids: range)
            fetched.append(.rows(try OperationalStore.scan(db, sql: sql, arguments: StatementArguments(arguments.map { $0.databaseValue }), names: names)))
        }
        var next = Int64.min
        for block in blocks {
            if block.first > next { try rows(next...(block.first - 1)) }
            var blobs: [(column: String, values: ValueBatch?, codes: [Int32]?, times: Data?)] = []
            let cursor = try Row.fetchCursor(fetch, arguments: StatementArguments([plan.table, block.first] + touched))
            while let row = try cursor.next() {
                blobs.append((column: row[0], values: try row.withUnsafeData(atIndex: 1) { $0.flatMap(decode) },
                              codes: try row.withUnsafeData(atIndex: 2) { $0.flatMap { codes($0, rows: block.rows) } },
                              times: row[3]))
            }
            fetched.append(.block(rows: block.rows, blobs: blobs))
            guard block.last < .max else { break }
            next = block.last + 1
        }
        if let last = blocks.last?.last, last < .max { try rows((last + 1)...Int64.max) }
        let decoded: [Piece?] = Parallel.map(ranges: fetched.count, minimum: 2) { range in
            fetched[range].map { piece -> Piece? in
                switch piece {
                case let .rows(columns):
                    return .rows(columns)
                case let .block(rows, blobs):
                    var parts: [String: Part] = [:]
                    for blob in blobs {
                        guard let values = blob.values, let codes = blob.codes,
                              let part = Self.part(values: values, codes: codes, times: blob.times) else { return nil }
                        parts[blob.column] = part
                    }
                    guard parts.count == touched.count else { return nil }
                    return .block(parts: parts, keep: mask(plan, parts: parts, rows: rows))
                }
            }
        }.flatMap { $0 }
        let pieces = decoded.compactMap { $0 }
        guard pieces.count == decoded.count else { return nil }

        // Each column as stretches of rows, in rowid order: the row reader's columns, and each block's codes
        // (a derived column's computed from its two timestamps) with the block's row mask.
        let sources = plan.columns.count
        let stretches: [[Tabular.Column.Stretch]] = Parallel.map(names.count) { index in
            pieces.compactMap { piece in
                switch piece {
                case let .rows(read):
                    return Tabular.Column.Stretch(read[index])
                case let .block(parts, keep):
                    if index < sources, let part = parts[names[index]] {
                        return Tabular.Column.Stretch(codes: part.codes, values: part.values, keep: keep)
                    } else if case let .secondsBetween(start, end) = plan.derived[index - sources].derivation,
                              let start = parts[start], let end = parts[end] {
                        let (codes, values) = secondsBetween(start, end, keep: keep)
                        return Tabular.Column.Stretch(codes: codes, values: values, keep: keep)
                    }
                    return nil
                }
            }
        }
        // A column with millions of distinct values (the unit) is built on every core, the others one per core.
        return Tabular.Column.concatenating(names.indices.map { (names[$0], stretches[$0]) })
    }

    /// A block's codes blob (4 bytes a row, little-endian) as codes, or nil when it does not hold
    /// `rows` of them; the codes are checked against the values by ``part(values:codes:times:)``.
    static func codes(_ data: Data, rows: Int) -> [Int32]? {
        guard data.count == rows * 4 else { return nil }
        return data.withUnsafeBytes { raw in
            [Int32](unsafeUninitializedCapacity: rows) { buffer, count in
                if rows > 0, let source = raw.baseAddress, let target = buffer.baseAddress {
                    UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: rows * 4)
                }
                #if _endian(big)
                for row in 0..<rows { buffer[row] = Int32(littleEndian: buffer[row]) }
                #endif
                count = rows
            }
        }
    }

    /// A block column from its decoded blobs, or nil when they do not fit together: a code outside
    /// the values, Julian days not one per value.
    static func part(values: ValueBatch, codes: [Int32], times: Data?) -> Part? {
        let count = Int32(values.count)
        // Every code names a value or is NULL (−1): the smallest and largest, found in one pass that vectorises.
        var low = Int32.max, high = Int32.min
        for code in codes {
            low = min(low, code)
            high = max(high, code)
        }
        guard codes.isEmpty || low >= -1 && high < count else { return nil }
        var part = Part(values: values, codes: codes)
        if let times {
            guard times.count == 9 * values.count else { return nil }
            times.withUnsafeBytes { raw in
                part.days = (0..<values.count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
                part.zoned = (0..<values.count).map { raw[8 * values.count + $0] != 0 }
            }
        }
        return part
    }

    /// The block's rows the plan keeps (nil when it keeps all): the window's test and the exclusions, decided
    /// once per distinct value as the row reader's WHERE clause decides them per row.
    static func mask(_ plan: ReadPlan, parts: [String: Part], rows: Int) -> [Bool]? {
        var keep: [Bool]?
        if let window = plan.window, let bounds = plan.windowDays, let part = parts[window.column],
           let days = part.days, let zoned = part.zoned {
            // julianday(NULL) and an unreadable timestamp are NULL: never inside (NaN compares false).
            let inside = days.indices.map { value in
                let range = bounds.naive.map { zoned[value] ? bounds.zoned : $0 } ?? bounds.zoned
                return range.low <= days[value] && days[value] <= range.high
            }
            keep = part.codes.map { $0 >= 0 && inside[Int($0)] }
        }
        for rule in plan.exclude where !rule.values.isEmpty {
            guard let part = parts[rule.column] else { continue }
            // CAST(x AS TEXT) NOT IN (…) compares bytes (no collation: a table with one has no copy);
            // a NULL row is kept. A value is bound as C text, so SQLite sees it up to a NUL.
            let listed = Set(rule.values.map { Array($0.utf8.prefix { $0 != 0 }) })
            let out = part.values.bytes.withUnsafeBytes { bytes in
                (0..<part.values.count).map { listed.contains(Array(part.values.value($0, in: bytes))) }
            }
            keep = part.codes.enumerated().map { row, code in (keep?[row] ?? true) && (code < 0 || !out[Int(code)]) }
        }
        // A block wholly kept needs no mask.
        if let mask = keep, !mask.contains(false) { return nil }
        return keep
    }

    /// The derived column `CAST(round((julianday(end) − julianday(start)) × 86400.0) AS INTEGER)`
    /// of a block's kept rows (NULL where either is NULL), as codes into its distinct values
    /// (decimal text): the row reader's expression, with SQLite's own rounding and cast.
    static func secondsBetween(_ start: Part, _ end: Part, keep: [Bool]?) -> (codes: [Int32], values: ValueBatch) {
        var known: [Int64: Int32] = [:]
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var codes = [Int32](repeating: Column.nullCode, count: start.codes.count)
        guard let startDays = start.days, let endDays = end.days else { return (codes, ValueBatch()) }
        for row in codes.indices where keep?[row] ?? true {
            let s = start.codes[row], e = end.codes[row]
            guard s >= 0, e >= 0 else { continue }
            let difference = (endDays[Int(e)] - startDays[Int(s)]) * 86400.0
            guard !difference.isNaN else { continue }
            let seconds = sqliteInteger(sqliteRound(difference))
            if let code = known[seconds] {
                codes[row] = code
            } else {
                let code = Int32(ends.count)
                known[seconds] = code
                bytes.append(contentsOf: String(seconds).utf8)
                ends.append(bytes.count)
                codes[row] = code
            }
        }
        return (codes, ValueBatch(bytes: bytes, ends: ends))
    }

    /// SQLite's `round(x)` (func.c, roundFunc with no digits): beyond ±2^52 there is nothing to
    /// round; else `(double)(sqlite_int64)(x ± 0.5)`, which is not the same as rounding exactly.
    static func sqliteRound(_ value: Double) -> Double {
        guard value >= -4_503_599_627_370_496.0 && value <= 4_503_599_627_370_496.0 else { return value }
        return Double(Int64(value + (value < 0 ? -0.5 : 0.5)))
    }

    /// SQLite's `CAST(x AS INTEGER)` of a double (vdbemem.c, doubleToInt64): clamped to Int64,
    /// else truncated towards zero.
    static func sqliteInteger(_ value: Double) -> Int64 {
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        if value >= 9_223_372_036_854_775_807.0 { return .max }
        return Int64(value)
    }
}
