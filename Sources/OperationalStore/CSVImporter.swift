import Foundation
import GRDB
import GRDBSQLite

/// What `import` did: the table, its column types, the rows read and what became of them.
public struct ImportReport: Sendable, Equatable {
    public var table: String
    public var columns: [(name: String, type: ColumnType)]
    /// Data rows in the file.
    public var rows: Int
    /// Rows added to the table.
    public var inserted = 0
    /// Rows whose key was already present and were left as they were (`--key`, skip).
    public var skipped = 0
    /// Rows whose key was already present and replaced the stored row (`--key`, replace).
    public var replaced = 0
    /// True when the rows were added to an existing table.
    public var appended = false
    /// True when the file was gzip-compressed.
    public var gzip = false
    /// Local times the clocks skip (read by `--nonexistent-time forward`) and pass twice (read
    /// by `--ambiguous-time`), as the import's rules resolved them.
    public var skippedLocalTimes = 0
    public var repeatedLocalTimes = 0
    /// The local days recorded as covered, per timestamp column (``ImportCoverage``).
    public var covered: [(column: String, days: ClosedRange<String>)] = []

    public static func == (lhs: ImportReport, rhs: ImportReport) -> Bool {
        lhs.table == rhs.table && lhs.rows == rhs.rows
            && lhs.columns.map(\.name) == rhs.columns.map(\.name) && lhs.columns.map(\.type) == rhs.columns.map(\.type)
            && (lhs.inserted, lhs.skipped, lhs.replaced, lhs.appended) == (rhs.inserted, rhs.skipped, rhs.replaced, rhs.appended)
            && lhs.covered.map(\.column) == rhs.covered.map(\.column) && lhs.covered.map(\.days) == rhs.covered.map(\.days)
    }
}

/// How an export is read and added to the store.
public struct ImportOptions: Sendable {
    /// What to do with a row whose `key` value is already in the table.
    public enum Duplicate: String, Sendable, CaseIterable {
        /// Keep the stored row (a re-sent night adds nothing twice).
        case skip
        /// Overwrite the stored row with the new one (a corrected export).
        case replace
    }

    /// The field separator; nil detects `,` or `;` from the header.
    public var delimiter: UInt8? = UInt8(ascii: ",")
    /// The file's text encoding.
    public var encoding: CSVInput.TextEncoding = .utf8
    /// Add to an existing table with the same columns (a nightly export); the table is created if missing.
    public var append = false
    /// A column identifying a row: rows whose value is already present are skipped or replaced.
    public var key: String?
    /// With `key`: what a row whose key is already present does.
    public var onDuplicate: Duplicate = .skip
    /// What counts as a timestamp and how it is stored.
    public var timestamps = TimestampParser()
    /// The local days this export covers (`--covers`), recorded for every timestamp column; nil
    /// records each column's days from its earliest to its latest value (``ImportCoverage``). Days
    /// must have ended at `now`.
    public var covers: ClosedRange<String>?
    /// When the import runs: only days that have ended by then are covered (``ImportCoverage/endedDay(of:zone:now:)``).
    public var now = Date()

    /// Options for a plain import of a new table, with `delimiter` (nil: detect `,` or `;`).
    public init(delimiter: UInt8? = UInt8(ascii: ",")) {
        self.delimiter = delimiter
    }
}

/// Imports an RFC 4180 CSV export (plain or gzip, UTF-8 or Latin-1) into the
/// store, all or nothing.
///
/// Two streaming passes: the first checks every row and infers each column's
/// type (``ColumnType``; timestamps as ``TimestampParser`` says), the second
/// writes inside one transaction. Neither holds more than one record in memory,
/// so a file of any size imports in constant memory. A malformed row (wrong
/// field count, broken quoting, bad UTF-8, a value the existing column cannot
/// hold) aborts before anything is written and names its line; a failure in
/// the second pass rolls the transaction back, so the store is unchanged.
/// Timestamps are written as ``TimestampParser/normalize(_:)`` says (with their
/// offset when they have one or `--timezone` gives one).
public enum CSVImporter {
    /// Imports `file` as the new table `table` of `store`.
    ///
    /// - Throws: What ``importFile(_:into:table:options:)`` throws; notably
    ///   ``StoreError/tableExists(_:)`` when `table` is already in the store.
    public static func importFile(_ file: String, into store: OperationalStore, table: String,
                                  delimiter: UInt8? = UInt8(ascii: ",")) throws(StoreError) -> ImportReport {
        try importFile(file, into: store, table: table, options: ImportOptions(delimiter: delimiter))
    }

    /// Imports `file` into `table` of `store` with `options`.
    ///
    /// - Throws: ``StoreError/invalidArgument(_:)`` for a bad table name or a `key` the file lacks;
    ///   ``StoreError/tableExists(_:)`` when the table exists and `append` is off;
    ///   ``StoreError/malformedCSV(file:line:column:reason:)`` for a bad header or row (nothing is
    ///   written); ``StoreError/io(path:reason:)`` when the file cannot be read or the store's
    ///   transaction fails (it is rolled back).
    public static func importFile(_ file: String, into store: OperationalStore, table: String,
                                  options: ImportOptions) throws(StoreError) -> ImportReport {
        guard !table.isEmpty, table.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw .invalidArgument("table name '\(table)' must start with a letter or '_' and hold only letters, digits and '_'")
        }
        // opendata's own tables (import coverage, the columnar copy) and SQLite's are never import targets:
        // rows written there would forge what the store says was imported.
        for prefix in ["opendata_", "sqlite_"] where table.lowercased().hasPrefix(prefix) {
            throw .invalidArgument("table name '\(table)' is reserved (names starting with \(prefix) are the store's own); import into another name")
        }
        // A covered day must have ended when it is imported: a release publishes a covered window as complete.
        if let covers = options.covers {
            let today = ImportCoverage.today(zone: options.timestamps.zone, now: options.now)
            if covers.upperBound >= today {
                let zone = options.timestamps.zone.map { "in \($0.identifier)" } ?? "at UTC-12, where a day ends last (pass --timezone with the export's zone)"
                throw .invalidArgument("--covers \(covers.lowerBound == covers.upperBound ? covers.lowerBound : "\(covers.lowerBound)..\(covers.upperBound)") names \(covers.upperBound), which has not ended (today is \(today) \(zone)); an export covers only days that have ended: import a night's export after its midnight, with --covers that day")
            }
            if covers.lowerBound < ImportCoverage.earliestDay {
                throw .invalidArgument("--covers starts on \(covers.lowerBound), before \(ImportCoverage.earliestDay); check the dates")
            }
        }
        let existing = try store.columnTypes(of: table)
        if existing != nil && !options.append { throw .tableExists(table) }

        // Pass 1: validate and infer.
        var reader = try CSVReader(path: file, delimiter: options.delimiter, encoding: options.encoding)
        guard let header = try reader.next() else {
            throw .malformedCSV(file: file, line: 1, column: nil, reason: "the file is empty; it needs a header row")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen: Set<String> = []
        for (index, name) in names.enumerated() {
            if name.isEmpty {
                throw .malformedCSV(file: file, line: 1, column: index + 1, reason: "header field \(index + 1) is empty; every column needs a name")
            }
            if !seen.insert(name.lowercased()).inserted {
                throw .malformedCSV(file: file, line: 1, column: index + 1, reason: "column name '\(name)' appears twice in the header")
            }
        }
        if names.count == 1 && options.delimiter != nil && header.fields[0].contains(where: { ";\t|".contains($0) }) {
            throw .malformedCSV(file: file, line: 1, column: nil, reason: "the header is one column '\(names[0])'; the file seems to use another separator: pass --delimiter ';' (or tab, '|')")
        }
        if let existing {
            let missing = existing.map(\.name).filter { !names.contains($0) }
            let unexpected = names.filter { name in !existing.contains { $0.name == name } }
            if !missing.isEmpty || !unexpected.isEmpty {
                throw .malformedCSV(file: file, line: 1, column: nil, reason: "the header's columns differ from table \(table)'s"
                    + (missing.isEmpty ? "" : "; missing: \(missing.joined(separator: ", "))")
                    + (unexpected.isEmpty ? "" : "; not in the table: \(unexpected.joined(separator: ", "))")
                    + "; an appended export must have the table's columns (in any order)")
            }
        }
        var keyIndex: Int?
        if let key = options.key {
            guard let index = names.firstIndex(of: key) else {
                throw .invalidArgument("--key \(key): the file has no such column (it has \(names.joined(separator: ", ")))")
            }
            keyIndex = index
        }
        var types = [ColumnType?](repeating: nil, count: names.count)
        var rows = 0
        while let record = try reader.next() {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }
            guard record.fields.count == names.count else {
                throw .malformedCSV(file: file, line: record.line, column: nil,
                                    reason: "row has \(record.fields.count) fields, the header has \(names.count)")
            }
            for (index, value) in record.fields.enumerated() where !value.isEmpty {
                types[index] = types[index].map { $0.widened(toHold: value, timestamps: options.timestamps) }
                    ?? ColumnType.of(value, timestamps: options.timestamps)
                if let existing, let declared = existing.first(where: { $0.name == names[index] })?.type,
                   let problem = Self.mismatch(value, declared: declared, timestamps: options.timestamps) {
                    throw .malformedCSV(file: file, line: record.line, column: index + 1,
                                        reason: "'\(value)' is \(problem), but column \(names[index]) of table \(table) holds \(declared.rawValue) values")
                }
            }
            if let keyIndex, record.fields[keyIndex].isEmpty {
                throw .malformedCSV(file: file, line: record.line, column: keyIndex + 1, reason: "the key column \(names[keyIndex]) is empty; every row needs a key")
            }
            rows += 1
        }
        var columns = zip(names, types).map { (name: $0, type: $1 ?? .text) }
        if let existing {
            // Values keep the table's types; a text column still gets its timestamps written canonically.
            columns = columns.map { column in
                let declared = existing.first { $0.name == column.name }?.type ?? .text
                return (column.name, declared == .text && column.type == .datetime ? .datetime : declared)
            }
        }

        // Pass 2: create (if needed) and write in one transaction.
        var report = ImportReport(table: table, columns: columns, rows: rows, appended: existing != nil)
        let list = columns.map { SQL.quote($0.name) }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try store.write { db in
            let version = try ColumnBlocks.schemaVersion(in: db)
            if existing == nil {
                let definition = columns.map { "\(SQL.quote($0.name)) \($0.type.sqlType)" }.joined(separator: ", ")
                try db.execute(sql: "CREATE TABLE \(SQL.quote(table)) (\(definition))")
            } else {
                // New rows get new rowids: the columnar copy's insert trigger need not look at each.
                try ColumnBlocks.pauseInsertTrigger(table, in: db)
            }
            let insert = try db.makeStatement(sql: "INSERT INTO \(SQL.quote(table)) (\(list)) VALUES (\(placeholders))")
            var find: Statement?, update: Statement?
            // Rows after this rowid are this import's own: a key found among them is repeated in the file.
            // So are the rows it inserted below it (a table whose INTEGER PRIMARY KEY is the key fills gaps)
            // and the rows already there that it skipped or replaced once, kept in `touched`.
            var lastBefore = Int64.max
            var touched: Set<Int64> = []
            if let keyIndex {
                lastBefore = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM \(SQL.quote(table))") ?? Int64.min
                let key = SQL.quote(names[keyIndex])
                try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(SQL.quote("opendata_key_\(table)_\(names[keyIndex])")) ON \(SQL.quote(table)) (\(key))")
                find = try db.makeStatement(sql: "SELECT rowid FROM \(SQL.quote(table)) WHERE \(key) = ? LIMIT 1")
                let assignments = columns.map { "\(SQL.quote($0.name)) = ?" }.joined(separator: ", ")
                update = try db.makeStatement(sql: "UPDATE \(SQL.quote(table)) SET \(assignments) WHERE rowid = ?")
            }
            var reader = try CSVReader(path: file, delimiter: options.delimiter, encoding: options.encoding)
            report.gzip = reader.isGzip
            _ = try reader.next()
            var values = [DatabaseValue](repeating: .null, count: columns.count)
            // Each timestamp column's first and last local day, unless --covers says which days.
            let timestampColumns = columns.indices.filter { columns[$0].type == .datetime }
            var firstDay = [String?](repeating: nil, count: columns.count), lastDay = firstDay
            while let record = try reader.next() {
                if record.fields.count == 1 && record.fields[0].isEmpty { continue }
                for (index, value) in record.fields.enumerated() {
                    if columns[index].type == .datetime, !value.isEmpty, !TimestampParser.isCanonical(value),
                       let (text, change) = options.timestamps.canonical(value) {
                        // A local time the clocks skip or repeat: refused with its place, or resolved by the declared rule.
                        if let change {
                            if let problem = options.timestamps.problem(value, change) {
                                throw StoreError.malformedCSV(file: file, line: record.line, column: index + 1, reason: problem)
                            }
                            if change == .skipped { report.skippedLocalTimes += 1 } else { report.repeatedLocalTimes += 1 }
                        }
                        values[index] = text.databaseValue
                        continue
                    }
                    values[index] = Self.databaseValue(value, type: columns[index].type, timestamps: options.timestamps)
                }
                if options.covers == nil {
                    for index in timestampColumns {
                        guard case let .string(stored) = values[index].storage,
                              let day = ImportCoverage.endedDay(of: stored, zone: options.timestamps.zone, now: options.now) else { continue }
                        if firstDay[index].map({ day < $0 }) ?? true { firstDay[index] = day }
                        if lastDay[index].map({ day > $0 }) ?? true { lastDay[index] = day }
                    }
                }
                if let keyIndex, let find, let rowid = try Int64.fetchOne(find, arguments: [values[keyIndex]]) {
                    guard rowid <= lastBefore, touched.insert(rowid).inserted else {
                        throw StoreError.malformedCSV(file: file, line: record.line, column: keyIndex + 1,
                                                      reason: "key \(names[keyIndex]) '\(record.fields[keyIndex])' is also the key of an earlier row of this file; every row of an export needs its own key: fix the export")
                    }
                    if options.onDuplicate == .replace, let update {
                        try Self.refusedByTable(file: file, line: record.line, names: names) {
                            try update.execute(arguments: StatementArguments(values + [rowid.databaseValue]))
                        }
                        report.replaced += 1
                    } else {
                        report.skipped += 1
                    }
                    continue
                }
                try Self.refusedByTable(file: file, line: record.line, names: names) { try Self.insert(values, with: insert, in: db) }
                if keyIndex != nil && db.lastInsertedRowID <= lastBefore { touched.insert(db.lastInsertedRowID) }
                report.inserted += 1
            }
            for index in timestampColumns {
                let days: ClosedRange<String>?
                if let covers = options.covers {
                    days = covers
                } else if let first = firstDay[index], let last = lastDay[index] {
                    // Only ended days were counted: rows of today are imported, but their day is covered
                    // by an import after its midnight.
                    days = first...last
                } else {
                    days = nil
                }
                guard let days else { continue }
                try ImportCoverage.record(table: table, column: columns[index].name, days: days, in: db)
                report.covered.append((columns[index].name, days))
            }
            try ColumnBlocks.refresh(table: table, in: db, versionBefore: version)
        }
        return report
    }

    /// Why `value` cannot go into a column declared `declared`, or nil when it can.
    static func mismatch(_ value: String, declared: ColumnType, timestamps: TimestampParser) -> String? {
        switch declared {
        case .integer:
            ColumnType.isInteger(value) ? nil
                : value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }) ? "a whole number too large for 64 bits" : "not a whole number"
        case .real: ColumnType.isReal(value) || ColumnType.isInteger(value) ? nil : "not a number"
        case .datetime: timestamps.normalize(value) != nil ? nil : "not a timestamp (pass --timestamp-format for another spelling)"
        case .text: nil
        }
    }

    /// Runs `write` for the row at `line`; a constraint of the table that refuses the row (NOT NULL,
    /// UNIQUE, CHECK) becomes that row's error, at the column SQLite names when it names one.
    static func refusedByTable(file: String, line: Int, names: [String], _ write: () throws -> Void) throws {
        do {
            try write()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            let message = error.message ?? "a constraint failed"
            // SQLite names the column as table.column after the colon ("NOT NULL constraint failed: calls.kind").
            let named = message.split(separator: ":").last.flatMap { $0.split(separator: ".").last }.map { $0.trimmingCharacters(in: .whitespaces) }
            let column = named.flatMap { name in names.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame } }.map { $0 + 1 }
            throw StoreError.malformedCSV(file: file, line: line, column: column,
                                          reason: "the table refuses this row (\(message)); fix the row, or the table's constraint")
        }
    }

    /// Binds `values` to `statement` with SQLite's C API and steps it once: what
    /// `statement.execute(arguments: StatementArguments(values))` does, without GRDB building an
    /// argument list per row (millions of rows in an import).
    static func insert(_ values: [DatabaseValue], with statement: Statement, in db: Database) throws {
        let handle = statement.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value.storage {
            case .null: sqlite3_bind_null(handle, index)
            case let .int64(number): sqlite3_bind_int64(handle, index, number)
            case let .double(number): sqlite3_bind_double(handle, index, number)
            case let .string(text): sqlite3_bind_text(handle, index, text, -1, transient)
            case let .blob(data): data.withUnsafeBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
            }
        }
        let status = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard status == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: status), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                                sql: statement.sql)
        }
    }

    static func databaseValue(_ value: String, type: ColumnType, timestamps: TimestampParser) -> DatabaseValue {
        if value.isEmpty { return .null }
        switch type {
        case .integer: return Int64(value).map(\.databaseValue) ?? value.databaseValue
        case .real: return Double(value).map(\.databaseValue) ?? value.databaseValue
        case .datetime:
            // Pass 1 found every value of the column to be a timestamp; canonical ones are stored as they are.
            return (TimestampParser.isCanonical(value) ? value : timestamps.normalize(value) ?? value).databaseValue
        case .text: return value.databaseValue
        }
    }
}

extension OperationalStore {
    /// The declared types of `table`'s columns (INTEGER, REAL, else text; a text column whose
    /// first stored value is a timestamp is a timestamp column, as its first import inferred),
    /// or nil when there is no such table.
    func columnTypes(of table: String) throws(StoreError) -> [(name: String, type: ColumnType)]? {
        try read { db in
            guard try db.tableExists(table) else { return nil }
            return try db.columns(in: table).map { column in
                switch column.type.uppercased() {
                case "INTEGER": return (column.name, ColumnType.integer)
                case "REAL": return (column.name, ColumnType.real)
                default:
                    let sample = try String.fetchOne(db, sql: "SELECT \(SQL.quote(column.name)) FROM \(SQL.quote(table)) WHERE \(SQL.quote(column.name)) IS NOT NULL AND \(SQL.quote(column.name)) != '' LIMIT 1")
                    return (column.name, sample.map { ColumnType.isDateTime($0) } == true ? ColumnType.datetime : ColumnType.text)
                }
            }
        }
    }
}
