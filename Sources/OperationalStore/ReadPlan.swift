import Foundation
import GRDB
import GRDBSQLite
import Tabular

/// Exactly what the minimisation stage may read from one table for a release.
///
/// `Publisher` builds a plan from a policy; this module knows nothing of
/// policies. Only the columns named here are ever SELECTed: a column the
/// policy drops is never part of a plan, so its bytes never leave SQLite.
public struct ReadPlan: Sendable, Equatable {
    /// A column computed inside the query, so its inputs never leave SQLite.
    public enum Derivation: Sendable, Equatable {
        /// Whole seconds from `start` to `end` (NULL when either is missing).
        case secondsBetween(start: String, end: String)
    }

    public var table: String
    /// Source columns returned as they are stored.
    public var columns: [String]
    /// Columns (among `columns`) replaced by their HMAC pseudonym before returning.
    public var pseudonymized: Set<String>
    /// Computed columns, in output order after `columns`.
    public var derived: [(name: String, derivation: Derivation)]
    /// Rows whose column holds any of the values are never returned.
    public var exclude: [(column: String, values: [String])]
    /// Only rows whose `column` time lies in [from, to) are returned.
    public var window: (column: String, from: Date, to: Date)?
    /// The zone a timestamp without an offset (`2018-05-01 00:10:28`) is local time in,
    /// as a naive export from a dispatch system in that zone is; nil reads it as UTC.
    public var naiveZone: TimeZone?

    public init(table: String, columns: [String], pseudonymized: Set<String> = [],
                derived: [(name: String, derivation: Derivation)] = [],
                exclude: [(column: String, values: [String])] = [],
                window: (column: String, from: Date, to: Date)? = nil) {
        self.table = table
        self.columns = columns
        self.pseudonymized = pseudonymized
        self.derived = derived
        self.exclude = exclude
        self.window = window
    }

    /// Every source column the query touches (selected, derived from, filtered on).
    public var touchedColumns: Set<String> {
        var result = Set(columns)
        for (_, derivation) in derived {
            if case let .secondsBetween(start, end) = derivation { result.formUnion([start, end]) }
        }
        result.formUnion(exclude.map(\.column))
        if let window { result.insert(window.column) }
        return result
    }

    public static func == (lhs: ReadPlan, rhs: ReadPlan) -> Bool {
        lhs.table == rhs.table && lhs.columns == rhs.columns && lhs.pseudonymized == rhs.pseudonymized
            && lhs.derived.map(\.name) == rhs.derived.map(\.name) && lhs.derived.map(\.derivation) == rhs.derived.map(\.derivation)
            && lhs.exclude.map(\.column) == rhs.exclude.map(\.column) && lhs.exclude.map(\.values) == rhs.exclude.map(\.values)
            && lhs.window?.column == rhs.window?.column && lhs.window?.from == rhs.window?.from && lhs.window?.to == rhs.window?.to
    }

    /// The table of the columns a read returned, with pseudonymised columns replaced: each
    /// distinct value is keyed once, and the raw values never leave the reading function.
    public func finish(_ columns: [Tabular.Column], pseudonymizer: Pseudonymizer?) -> Tabular.Table {
        var columns = columns
        if let pseudonymizer {
            for index in columns.indices where pseudonymized.contains(columns[index].name) {
                columns[index] = columns[index].mappingValues { pseudonymizer.pseudonym($0) }
            }
        }
        return Tabular.Table(columns: columns)
    }

    /// The single SELECT statement this plan runs, with its arguments.
    /// The Julian day SQLite's `julianday()` returns for `date` (millisecond precision).
    static func julianDay(_ date: Date) -> Double {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) + 210_866_760_000_000
        return Double(milliseconds) / 86_400_000.0
    }

    /// The window as the Julian days `julianday()` of a stored timestamp must lie in (both bounds
    /// inclusive): `zoned` for a value with a zone (…Z, …±HH:MM), an instant; `naive` for a value
    /// without one when ``naiveZone`` is not UTC at the window's ends (a wall-clock time there,
    /// compared with the window's wall-clock bounds: local midnight to local midnight, exact on
    /// 23- and 25-hour days too); nil `naive` compares every value with `zoned`. The bounds are the
    /// Julian days SQLite itself computes (integer milliseconds / 86 400 000), the upper one the
    /// largest double below the exclusive end, so the test is exactly from ≤ t < to.
    /// (An empty window, `to` ≤ `from`, has bounds no value lies between.)
    var windowDays: (zoned: (low: Double, high: Double), naive: (low: Double, high: Double)?)? {
        guard let window else { return nil }
        let zoned = (Self.julianDay(window.from), Self.julianDay(window.to).nextDown)
        guard let zone = naiveZone, zone.secondsFromGMT(for: window.from) != 0 || zone.secondsFromGMT(for: window.to) != 0 else {
            return (zoned, nil)
        }
        let local = { (date: Date) in date.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: date))) }
        return (zoned, (Self.julianDay(local(window.from)), Self.julianDay(local(window.to)).nextDown))
    }

    func query(rowids: ClosedRange<Int64>? = nil) -> (sql: String, arguments: [DatabaseValueConvertible]) {
        var select = columns.map { SQL.quote($0) }
        for (name, derivation) in derived {
            switch derivation {
            case let .secondsBetween(start, end):
                select.append("CAST(round((julianday(\(SQL.quote(end))) - julianday(\(SQL.quote(start)))) * 86400.0) AS INTEGER) AS \(SQL.quote(name))")
            }
        }
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible] = []
        if let rowids {
            conditions.append("rowid BETWEEN ? AND ?")
            arguments += [rowids.lowerBound, rowids.upperBound]
        }
        if let window, let bounds = windowDays {
            // One date parse per row: BETWEEN evaluates its left side once.
            let column = SQL.quote(window.column)
            if let naive = bounds.naive {
                conditions.append("(CASE WHEN \(SQL.hasZone(window.column)) THEN julianday(\(column)) BETWEEN ? AND ? ELSE julianday(\(column)) BETWEEN ? AND ? END)")
                arguments += [bounds.zoned.low, bounds.zoned.high, naive.low, naive.high]
            } else {
                conditions.append("julianday(\(column)) BETWEEN ? AND ?")
                arguments += [bounds.zoned.low, bounds.zoned.high]
            }
        }
        for rule in exclude where !rule.values.isEmpty {
            let marks = Array(repeating: "?", count: rule.values.count).joined(separator: ", ")
            conditions.append("(\(SQL.quote(rule.column)) IS NULL OR CAST(\(SQL.quote(rule.column)) AS TEXT) NOT IN (\(marks)))")
            arguments += rule.values
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        if rowids != nil { select.append("rowid") }
        let list = select.isEmpty ? "1" : select.joined(separator: ", ")
        return ("SELECT \(list) FROM \(SQL.quote(table))\(whereClause)", arguments)
    }
}

extension OperationalStore {
    /// Runs the minimisation stage: reads `plan`'s rows into a ``Table`` whose
    /// columns are `plan.columns` then the derived columns, from the store's columnar copy
    /// when it can answer exactly (``ColumnBlocks``: the same table), else row by row.
    ///
    /// Guarantees: the query names no column outside ``ReadPlan/touchedColumns``,
    /// and only `columns` and derived values are returned; pseudonymised columns
    /// are replaced before the table is built; excluded rows never leave SQLite.
    ///
    /// - Throws: ``StoreError/noSuchTable(_:)`` or ``StoreError/noSuchColumn(table:column:)`` when
    ///   the plan names what the store lacks; ``StoreError/pseudonymKey(_:)`` when the plan
    ///   pseudonymises a column and `pseudonymizer` is nil; ``StoreError/io(path:reason:)`` when
    ///   a query fails.
    public func read(_ plan: ReadPlan, pseudonymizer: Pseudonymizer?,
                     progress: (@Sendable (Double?) -> Void)? = nil) throws(StoreError) -> Tabular.Table {
        guard let available = try columns(of: plan.table) else { throw .noSuchTable(plan.table) }
        for column in plan.touchedColumns.sorted() where !available.contains(column) {
            throw .noSuchColumn(table: plan.table, column: column)
        }
        if !plan.pseudonymized.isEmpty && pseudonymizer == nil {
            throw .pseudonymKey("columns \(plan.pseudonymized.sorted().joined(separator: ", ")) are pseudonymised but no key was given; pass --pseudonym-key FILE or set OPENDATA_PSEUDONYM_KEY")
        }
        let names = plan.columns + plan.derived.map(\.name)
        // The columnar copy when it can answer exactly (``ColumnBlocks``), else the rows.
        if let columns = try read({ db in try ColumnBlocks.read(plan, names: names, in: db) }) {
            progress?(1)
            return plan.finish(columns, pseudonymizer: pseudonymizer)
        }
        var columns: [Tabular.Column] = []
        for part in try scanInParts(plan, names: names, available: available, progress: progress) {
            if columns.isEmpty {
                columns = part
            } else {
                for index in columns.indices { columns[index].append(contentsOf: part[index]) }
            }
        }
        return plan.finish(columns, pseudonymizer: pseudonymizer)
    }

    /// Reads the plan's rows as consecutive rowid ranges, one per core, on
    /// concurrent read connections (SQLite WAL readers), and returns each
    /// range's columns in rowid order; appended in order they equal one scan.
    /// Small tables, tables without a usable rowid and one-core machines get one scan.
    func scanInParts(_ plan: ReadPlan, names: [String], available: [String],
                     progress: (@Sendable (Double?) -> Void)?) throws(StoreError) -> [[Tabular.Column]] {
        let cores = min(ProcessInfo.processInfo.activeProcessorCount, 4)
        var ranges: [ClosedRange<Int64>?] = [nil]
        let span: (Int64?, Int64?)? = try? read { db in
            let row = try Row.fetchOne(db, sql: "SELECT min(rowid), max(rowid) FROM \(SQL.quote(plan.table))")
            return (row?[0] as Int64?, row?[1] as Int64?)
        }
        // (A span of rowids wider than Int64 can count is read in one part.)
        if cores > 1, !available.contains(where: { $0.lowercased() == "rowid" }),
           let low = span?.0, let high = span?.1, case let (width, false) = high.subtractingReportingOverflow(low),
           width >= 200_000, width < Int64.max / 2 {
            let step: Int64 = (high - low) / Int64(cores) + 1
            ranges = (0..<Int64(cores)).map { (part: Int64) -> ClosedRange<Int64>? in
                let first: Int64 = low + part * step
                return first...min(high, first + step - 1)
            }
        }
        let parts = ranges
        // Room for the rows up front, so the columns' codes are not copied as they grow (each copy
        // faults in fresh pages): a range's rowids bound its rows, and the first part holds every
        // part's rows once they are appended. Capped; untouched room costs address space only.
        let cap: Int64 = 1 << 24
        let reserve = parts.map { range -> Int in
            guard let range, let low = span?.0, let high = span?.1 else { return 0 }
            return Int(min(cap, range.lowerBound == low ? high - low + 1 : range.upperBound - range.lowerBound + 1))
        }
        let meter = ScanProgress(count: parts.count)
        let results = Parallel.map(parts.count) { part -> Result<[Tabular.Column], StoreError> in
            let (sql, arguments) = plan.query(rowids: parts[part])
            let report: ((Int64?) -> Void)? = progress.map { progress in
                { rowid in
                    guard let rowid, let range = parts[part] else { return progress(nil) }
                    let done = Double(rowid - range.lowerBound + 1) / Double(range.upperBound - range.lowerBound + 1)
                    progress(meter.progress(part, done))
                }
            }
            do throws(StoreError) {
                return .success(try read { db in
                    try Self.scan(db, sql: sql, arguments: StatementArguments(arguments.map { $0.databaseValue }), names: names,
                                  reserve: reserve[part], progress: report)
                })
            } catch {
                return .failure(error)
            }
        }
        return try results.map { result throws(StoreError) in try result.get() }
    }

    /// Steps `sql` with the SQLite C API and dictionary-encodes each result
    /// column straight from SQLite's buffers: text and integers become a
    /// `String` only the first time a value occurs.
    /// With `progress`, it is called every 65 536 rows with the current rowid
    /// when the query selects it as an extra last column (else nil).
    static func scan(_ db: Database, sql: String, arguments: StatementArguments, names: [String], reserve: Int = 0,
                     progress: ((Int64?) -> Void)? = nil) throws -> [Tabular.Column] {
        try scanWithKinds(db, sql: sql, arguments: arguments, names: names, reserve: reserve, progress: progress).columns
    }

    /// ``scan(_:sql:arguments:names:reserve:progress:)``, also returning per column the SQLite
    /// storage classes its values had, as bits `1 << SQLITE_INTEGER`, `1 << SQLITE_FLOAT`, ….
    /// Integers in `0..<smallIntegers` are looked up in an array as long as the largest of them
    /// (a short read of large ids, such as a block, passes a small bound to stay small).
    static func scanWithKinds(_ db: Database, sql: String, arguments: StatementArguments, names: [String], reserve: Int = 0,
                              smallIntegers: Int64 = 1 << 22,
                              progress: ((Int64?) -> Void)? = nil) throws -> (columns: [Tabular.Column], kinds: [Int32]) {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        var columns = names.map { Tabular.Column(name: $0) }
        for index in columns.indices { columns[index].reserveCapacity(reserve) }
        var batches = names.map { _ in ValueBatch() }
        var digits = [UInt8](repeating: 0, count: 24)
        // Per column, what each small non-negative integer is known as (−1: not seen yet; a code
        // ≥ 0; −k − 2: value k of the current batch), so an integer column (ids, categories,
        // measures) is looked up in an array, not hashed: only a value new to the column goes
        // into the batch, as its decimal text, and the batch is encoded at once (its lookups'
        // cache misses overlapping). Each row of a batch is a slot (``Column/append(slots:batch:)``).
        var integerCodes = names.map { _ in [Int32]() }
        var pending = names.map { _ in [Int]() }
        var slots = names.map { _ in [Int32]() }
        let integerLimit = smallIntegers
        let width = Int32(names.count)
        let hasRowid = sqlite3_column_count(handle) > width
        let batchRows = 4096
        var rows = 0
        var kinds = [Int32](repeating: 0, count: names.count)
        func flush() {
            for index in columns.indices {
                let batchCodes = columns[index].append(slots: slots[index], batch: batches[index])
                for value in pending[index] { integerCodes[index][value] = batchCodes[-Int(integerCodes[index][value]) - 2] }
                pending[index].removeAll(keepingCapacity: true)
                slots[index].removeAll(keepingCapacity: true)
                batches[index].removeAll()
            }
        }
        while true {
            let status = sqlite3_step(handle)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: status),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
            rows += 1
            for index in 0..<width {
                let position = Int(index)
                let type = sqlite3_column_type(handle, index)
                kinds[position] |= 1 << type
                if type == SQLITE_INTEGER {
                    let number = sqlite3_column_int64(handle, index)
                    if number >= 0 && number < integerLimit {
                        let value = Int(number)
                        if value >= integerCodes[position].count {
                            let size = max(value + 1, min(2 * integerCodes[position].count, Int(integerLimit)), 1024)
                            integerCodes[position].append(contentsOf: repeatElement(-1, count: size - integerCodes[position].count))
                        }
                        let known = integerCodes[position][value]
                        if known >= 0 {
                            slots[position].append(known)
                        } else if known <= -2 {
                            // Already in this batch (value −known − 2): the same slot.
                            slots[position].append(known + 1)
                        } else {
                            let k = Int32(batches[position].count)
                            digits.withUnsafeMutableBytes { buffer in
                                batches[position].append(utf8: Self.decimal(number, into: buffer))
                            }
                            integerCodes[position][value] = -k - 2
                            pending[position].append(value)
                            slots[position].append(-k - 1)
                        }
                        continue
                    }
                }
                slots[position].append(-Int32(batches[position].count) - 1)
                switch type {
                case SQLITE_NULL:
                    batches[position].appendNull()
                case SQLITE_INTEGER:
                    let number = sqlite3_column_int64(handle, index)
                    digits.withUnsafeMutableBytes { buffer in
                        batches[position].append(utf8: Self.decimal(number, into: buffer))
                    }
                case SQLITE_TEXT:
                    let length = Int(sqlite3_column_bytes(handle, index))
                    if let text = sqlite3_column_text(handle, index) {
                        batches[position].append(utf8: UnsafeRawBufferPointer(start: text, count: length))
                    } else {
                        batches[position].append(utf8: UnsafeRawBufferPointer(start: nil, count: 0))
                    }
                case SQLITE_FLOAT:
                    var text = Self.text(sqlite3_column_double(handle, index).databaseValue) ?? ""
                    text.withUTF8 { batches[position].append(utf8: UnsafeRawBufferPointer($0)) }
                default:
                    let length = Int(sqlite3_column_bytes(handle, index))
                    let blob = sqlite3_column_blob(handle, index).map { Data(bytes: $0, count: length) } ?? Data()
                    var text = blob.base64EncodedString()
                    text.withUTF8 { batches[position].append(utf8: UnsafeRawBufferPointer($0)) }
                }
            }
            if rows % batchRows == 0 { flush() }
            if let progress, rows % 65_536 == 0 { progress(hasRowid ? sqlite3_column_int64(handle, width) : nil) }
        }
        flush()
        return (columns, kinds)
    }

    /// Writes the decimal digits of `number` at the end of `buffer` (at least
    /// 20 bytes) and returns them.
    @inline(__always)
    static func decimal(_ number: Int64, into buffer: UnsafeMutableRawBufferPointer) -> UnsafeRawBufferPointer {
        var end = buffer.count
        var magnitude = number.magnitude
        repeat {
            end -= 1
            buffer[end] = UInt8(truncatingIfNeeded: 48 &+ magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if number < 0 {
            end -= 1
            buffer[end] = 45
        }
        return UnsafeRawBufferPointer(rebasing: buffer[end...])
    }

    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case let .int64(number): String(number)
        case let .double(number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case let .string(text): text
        case let .blob(data): data.base64EncodedString()
        }
    }
}

/// How far each concurrent part of a scan has got, for one progress figure.
private final class ScanProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var fractions: [Double]

    init(count: Int) {
        fractions = Array(repeating: 0, count: count)
    }

    /// Records how far `part` has got and returns the mean over all parts.
    func progress(_ part: Int, _ fraction: Double) -> Double {
        lock.withLock {
            fractions[part] = fraction
            return fractions.reduce(0, +) / Double(fractions.count)
        }
    }
}
