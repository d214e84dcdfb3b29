import Foundation
import GRDB
import Tabular

extension ColumnBlocks {
    /// One column of one block, decoded and checked.
    struct Part {
        var values: ValueBatch
        /// The block's codes: a slice of the read's one array of codes.
        var codes: ArraySlice<Int32>
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
        var derivedFrom: Set<String> = []
        for (_, derivation) in plan.derived {
            if case let .secondsBetween(start, end) = derivation { derivedFrom.formUnion([start, end]) }
        }
        var timed = derivedFrom
        if let window = plan.window { timed.insert(window.column) }
        let excluded = Set(plan.exclude.filter { !$0.values.isEmpty }.map(\.column))
        let touched = plan.touchedColumns.sorted()
        var blocks: [(first: Int64, last: Int64, rows: Int, columns: [String: (kinds: Int32, timed: Bool)])] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT first_rowid, last_rowid, row_count, column_name, kinds, times IS NOT NULL, schema_sql
            FROM \(table) WHERE table_name = ? ORDER BY first_rowid
            """, arguments: [plan.table]) {
            // Every field read as what it may hold: a value of another type (the table edited outside
            // opendata) makes the blocks unusable rather than stopping the process.
            guard let rowSchema: String = field(row, 6), rowSchema == schema, let first: Int64 = field(row, 0),
                  let column: String = field(row, 3), let kinds: Int32 = field(row, 4), let timed: Bool = field(row, 5)
            else { return nil }
            if blocks.last?.first != first {
                guard let last: Int64 = field(row, 1), let rows: Int = field(row, 2) else { return nil }
                // A block holds at least one row and no more than its rowids can (a row count edited outside
                // opendata would otherwise misplace the codes of every later block).
                guard blocks.last.map({ $0.last < first }) ?? true, last >= first, rows > 0,
                      last.subtractingReportingOverflow(first).overflow || Int64(rows) - 1 <= last - first else { return nil }
                blocks.append((first, last, rows, [:]))
            }
            blocks[blocks.count - 1].columns[column] = (kinds, timed)
        }
        guard !blocks.isEmpty else { return nil }
        for block in blocks {
            for column in touched {
                guard let info = block.columns[column],
                      !timed.contains(column) || info.timed,
                      !excluded.contains(column) || info.kinds & (floatKind | blobKind) == 0 else { return nil }
            }
        }

        // The window's column is read first in each block: a block with no row inside reads nothing more,
        // and a block wholly inside needs no row mask, nor the column's codes when the plan reads it for
        // the window alone (no output, time difference or exclusion uses it).
        let windowTest = plan.window.flatMap { window in plan.windowDays.map { (column: window.column, bounds: $0) } }
        let windowOnly = windowTest.map { !plan.columns.contains($0.column) && !derivedFrom.contains($0.column) && !excluded.contains($0.column) }
            ?? false
        let rest = touched.filter { $0 != windowTest?.column }
        let marks = Array(repeating: "?", count: rest.count).joined(separator: ", ")
        let select = "SELECT column_name, dictionary, codes, times FROM \(table) WHERE table_name = ? AND first_rowid = ?"
        let fetch = try db.makeStatement(sql: "\(select) AND column_name IN (\(marks))")
        let fetchWindow = try db.makeStatement(sql: "\(select) AND column_name = ?")
        // The blobs are fetched in rowid order on this connection, each block's codes copied out of SQLite's
        // pages once, straight into one array for every block and column (`arena`: each column's blocks one
        // after another at their rows' offsets, so it is a few large allocations, freed together, rather
        // than thousands of small ones between which later arrays would not fit); blocks are then checked
        // and masked on every core. A blob that does not decode is nil.
        typealias Blob = (column: String, values: ValueBatch?, codes: Range<Int>?, times: Data?)
        enum Fetched {
            case rows([Tabular.Column])
            /// A block's blobs; `wholly` when every row is inside the window (or there is none), so the
            /// window's column may be absent from `blobs`.
            case block(rows: Int, blobs: [Blob], wholly: Bool)
        }
        var totalRows = 0, overflow = false
        for block in blocks { (totalRows, overflow) = overflow ? (totalRows, true) : totalRows.addingReportingOverflow(block.rows) }
        let (arenaSize, tooLarge) = touched.count.multipliedReportingOverflow(by: totalRows)
        guard !overflow, !tooLarge else { return nil }
        // The window's column last: when only the window reads it, most blocks never copy its codes, and
        // the pages of its region, never touched, are then at the end of the one free stretch the array
        // leaves, where the next large arrays reach them last.
        let slots = Dictionary(uniqueKeysWithValues: (rest + touched.filter { $0 == windowTest?.column }).enumerated().map { ($1, $0) })
        var fetched: [Fetched] = []
        func rows(_ range: ClosedRange<Int64>) throws {
            let (sql, arguments) = plan.query(rowids: range)
            fetched.append(.rows(try OperationalStore.scan(db, sql: sql, arguments: StatementArguments(arguments.map { $0.databaseValue }), names: names)))
        }
        var missing = false
        // Regions of skipped blocks are never written, so their pages are never touched; no code is read
        // outside the regions blocks filled.
        let arena = try [Int32](unsafeUninitializedCapacity: arenaSize) { buffer, count in
            count = buffer.count
            var offset = 0
            /// The row's codes blob copied into its column's region for this block, or nil when it does
            /// not hold `rows` codes.
            func codes(_ row: Row, rows: Int) throws -> Range<Int>? {
                guard let name: String = field(row, 0), let slot = slots[name] else { return nil }
                // Inside the column's region: every block's row count was checked positive, and they sum to `totalRows`.
                let start = slot * totalRows + offset
                let copied = try row.withUnsafeData(atIndex: 2) { data -> Bool in
                    guard let data, data.count == rows * 4 else { return false }
                    data.withUnsafeBytes { raw in
                        if rows > 0, let source = raw.baseAddress, let target = buffer.baseAddress {
                            UnsafeMutableRawPointer(target + start).copyMemory(from: source, byteCount: rows * 4)
                        }
                    }
                    #if _endian(big)
                    for index in start..<(start + rows) { buffer[index] = Int32(littleEndian: buffer[index]) }
                    #endif
                    return true
                }
                return copied ? start..<(start + rows) : nil
            }
            func blob(_ row: Row, rows: Int, codes wanted: Bool = true) throws -> Blob {
                (column: field(row, 0) ?? "", values: try row.withUnsafeData(atIndex: 1) { $0.flatMap(decode) },
                 codes: wanted ? try codes(row, rows: rows) : nil, times: field(row, 3))
            }
            var next = Int64.min
            for block in blocks {
                if block.first > next { try rows(next...(block.first - 1)) }
                defer {
                    next = block.last < .max ? block.last + 1 : .max
                    offset += block.rows
                }
                var blobs: [Blob] = []
                var wholly = true
                if let test = windowTest, let info = block.columns[test.column] {
                    guard let row = try Row.fetchOne(fetchWindow, arguments: [plan.table, block.first, test.column]) else {
                        missing = true
                        return
                    }
                    var window = try blob(row, rows: block.rows, codes: false)
                    guard let values = window.values, let (days, zoned) = Self.julianDays(window.times, count: values.count) else {
                        missing = true
                        return
                    }
                    let inside = Self.inside(days: days, zoned: zoned, bounds: test.bounds)
                    // No row inside: nothing of this block is read or kept (NULL is never inside).
                    guard inside.contains(true) else {
                        if block.last == .max { break } else { continue }
                    }
                    // The codes themselves decide whether a row is NULL: a kinds flag edited outside opendata
                    // must not let a NULL row through unmasked. Checked where SQLite holds the blob, not copied.
                    wholly = info.kinds & nullKind == 0 && !inside.contains(false)
                        && (!windowOnly || Self.everyCodeNames(row, values: values.count, rows: block.rows))
                    if !(wholly && windowOnly) {
                        window.codes = try codes(row, rows: block.rows)
                        blobs.append(window)
                    }
                }
                if !rest.isEmpty {
                    let cursor = try Row.fetchCursor(fetch, arguments: StatementArguments([plan.table, block.first] + rest))
                    while let row = try cursor.next() { blobs.append(try blob(row, rows: block.rows)) }
                }
                fetched.append(.block(rows: block.rows, blobs: blobs, wholly: wholly))
                if block.last == .max { break }
            }
        }
        guard !missing else { return nil }
        if let last = blocks.last?.last, last < .max { try rows((last + 1)...Int64.max) }
        let decoded: [Piece?] = Parallel.map(ranges: fetched.count, minimum: 2) { range in
            fetched[range].map { piece -> Piece? in
                switch piece {
                case let .rows(columns):
                    return .rows(columns)
                case let .block(rows, blobs, wholly):
                    var parts: [String: Part] = [:]
                    for blob in blobs {
                        guard let values = blob.values, let codes = blob.codes,
                              let part = Self.part(values: values, codes: arena[codes], times: blob.times) else { return nil }
                        parts[blob.column] = part
                    }
                    // Every column the plan touches, but the window's when no row mask needs its codes.
                    guard Set(parts.keys) == Set(touched) || wholly && windowOnly && Set(parts.keys) == Set(rest) else { return nil }
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

    /// Whether the codes blob of a blocks-table row holds exactly `rows` codes, each naming one of
    /// `values` values (none NULL); read in place, in one pass that vectorises.
    static func everyCodeNames(_ row: Row, values: Int, rows: Int) -> Bool {
        (try? row.withUnsafeData(atIndex: 2) { data -> Bool in
            guard let data, data.count == rows * 4 else { return false }
            return data.withUnsafeBytes { raw in
                let (low, high) = Int(bitPattern: raw.baseAddress) % MemoryLayout<Int32>.alignment == 0
                    ? codeRange(raw.assumingMemoryBound(to: Int32.self).lazy.map { Int32(littleEndian: $0) })
                    : codeRange((0..<rows).lazy.map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) })
                return rows == 0 || low >= 0 && Int(high) < values
            }
        }) ?? false
    }

    /// The smallest and largest of `codes` (Int32.max and Int32.min when there are none), found in
    /// one pass that vectorises.
    @inline(__always)
    static func codeRange<Codes: Sequence<Int32>>(_ codes: Codes) -> (low: Int32, high: Int32) {
        var low = Int32.max, high = Int32.min
        for code in codes {
            low = min(low, code)
            high = max(high, code)
        }
        return (low, high)
    }

    /// A field of a blocks-table row as `T`, or nil when it holds NULL or a value of another type.
    static func field<T: DatabaseValueConvertible>(_ row: Row, _ index: Int) -> T? {
        T.fromDatabaseValue(row[index] as DatabaseValue)
    }

    /// A block column from its decoded blobs, or nil when they do not fit together: a code outside
    /// the values, Julian days not one per value.
    static func part(values: ValueBatch, codes: ArraySlice<Int32>, times: Data?) -> Part? {
        let count = Int32(values.count)
        // Every code names a value or is NULL (−1).
        let (low, high) = codeRange(codes)
        guard codes.isEmpty || low >= -1 && high < count else { return nil }
        var part = Part(values: values, codes: codes)
        if let times {
            guard let (days, zoned) = julianDays(times, count: values.count) else { return nil }
            part.days = days
            part.zoned = zoned
        }
        return part
    }

    /// A block column's times blob (per value, SQLite's Julian day as 8 bytes, then whether it names
    /// its zone as 1 byte) for `count` values; nil when there is none or it does not hold `count`.
    static func julianDays(_ times: Data?, count: Int) -> (days: [Double], zoned: [Bool])? {
        guard let times, times.count == 9 * count else { return nil }
        return times.withUnsafeBytes { raw in
            ((0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) },
             (0..<count).map { raw[8 * count + $0] != 0 })
        }
    }

    /// Per distinct value, whether it lies inside the window's bounds (``ReadPlan/windowDays``): the
    /// row reader's WHERE clause, decided once per value. julianday(NULL) and an unreadable
    /// timestamp are NULL: never inside (NaN compares false).
    static func inside(days: [Double], zoned: [Bool],
                       bounds: (zoned: (low: Double, high: Double), naive: (low: Double, high: Double)?)) -> [Bool] {
        days.indices.map { value in
            let range = bounds.naive.map { zoned[value] ? bounds.zoned : $0 } ?? bounds.zoned
            return range.low <= days[value] && days[value] <= range.high
        }
    }

    /// The block's rows the plan keeps (nil when it keeps all): the window's test and the exclusions, decided
    /// once per distinct value as the row reader's WHERE clause decides them per row.
    static func mask(_ plan: ReadPlan, parts: [String: Part], rows: Int) -> [Bool]? {
        var keep: [Bool]?
        if let window = plan.window, let bounds = plan.windowDays, let part = parts[window.column],
           let days = part.days, let zoned = part.zoned {
            let inside = Self.inside(days: days, zoned: zoned, bounds: bounds)
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
        let (startCodes, endCodes) = (start.codes, end.codes)
        for row in codes.indices where keep?[row] ?? true {
            let s = startCodes[startCodes.startIndex + row], e = endCodes[endCodes.startIndex + row]
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

