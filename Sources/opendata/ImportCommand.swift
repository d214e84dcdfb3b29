import ArgumentParser
import Foundation
import OperationalStore
import Publisher

/// `opendata import`: loads a CSV export into the operational store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV export into the operational store, all or nothing.",
        discussion: """
            Reads RFC 4180 CSV (quoted fields with separators, quotes and line breaks; CRLF or LF; \
            optional UTF-8 byte-order mark) with a header row, plain or gzip-compressed (detected \
            from the bytes). Each column's type is inferred from all of its values (integer, real, \
            timestamp, text) and reported. A malformed row stops the import with its line number \
            and the store is left unchanged. Files of any size stream in constant memory.

            Timestamps: ISO 8601 with or without a zone, the zone in any common spelling (Z, +00, \
            +0000, +00:00, as PostgreSQL's \\copy writes them), and any --timestamp-format given \
            (strptime style: %Y %y %m %d %e %H %I %M %S %p %b %z %T %F). A value with a zone keeps \
            it; a naive value gets the offset of --timezone at that local time, or stays naive and \
            is read by a release as local time in its policy's zone.

            Nightly exports: --append adds to the existing table (the header must name the same \
            columns; values must fit their types); with --key COLUMN a row whose key is already \
            there is skipped (--on-duplicate skip, the default: a re-sent night adds nothing) or \
            replaces the stored row (--on-duplicate replace: a corrected export).

            Examples:
              opendata import --store city.sqlite --table calls mke_calls.csv
              opendata import --store city.sqlite --table calls --append --key id \\
                --timezone America/Chicago --timestamp-format '%m/%d/%Y %I:%M:%S %p' calls-2026-12-02.csv.gz
              opendata import --store city.sqlite --table contacts --delimiter ';' --encoding latin1 contacts.csv
            """
    )

    @Option(help: "The operational store (SQLite); created if missing.")
    var store: String

    @Option(help: "Name of the table (letters, digits, '_').")
    var table: String

    @Flag(help: "Add the rows to the existing table (created if missing) instead of refusing it.")
    var append = false

    @Option(help: "A column identifying each row; rows whose key is already in the table are skipped or replaced.")
    var key: String?

    @Option(help: "With --key: skip (keep the stored row) or replace (overwrite it).")
    var onDuplicate = "skip"

    @Option(help: "Field separator: ',' (default), ';', tab, '|', or auto (detect ',' or ';').")
    var delimiter = ","

    @Option(help: "Text encoding of the file: utf-8 (default) or latin1.")
    var encoding = "utf-8"

    @Option(help: "A strptime-style format for timestamps that are not ISO 8601 (repeatable).")
    var timestampFormat: [String] = []

    @Option(help: "The IANA time zone naive timestamps are local time in (e.g. America/Chicago).")
    var timezone: String?

    @Option(help: ArgumentHelp("A local time the clocks skip in --timezone (02:30 when they go forward): refuse (the default, naming its line) or forward (read with the offset before the change: 02:30 CST is 03:30 CDT)."))
    var nonexistentTime = "refuse"

    @Option(help: ArgumentHelp("A local time the clocks pass twice in --timezone (01:15 when they go back): refuse (the default, naming its line), earlier or later of the two instants."))
    var ambiguousTime = "refuse"

    @Option(help: ArgumentHelp("The local days this export covers, FIRST..LAST (or one day), recorded for every timestamp column.",
                               discussion: "A release publishes a window only when imports cover its days, whether or not the window holds a record. Without --covers, an import covers the days from its earliest to its latest timestamp, which depends on the data at its ends; say which days a nightly export is for to make it independent of them."))
    var covers: String?

    @Argument(help: "The CSV file (plain or .gz).")
    var file: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        var options = ImportOptions()
        switch delimiter {
        case ",", ";", "|": options.delimiter = UInt8(ascii: delimiter.unicodeScalars.first ?? ",")
        case "tab", "\\t", "\t": options.delimiter = UInt8(ascii: "\t")
        case "auto": options.delimiter = nil
        default: throw ValidationError("--delimiter must be ',', ';', tab, '|' or auto; got '\(delimiter)'")
        }
        guard let textEncoding = CSVInput.TextEncoding(name: encoding) else {
            throw ValidationError("--encoding must be utf-8 or latin1; got '\(encoding)'")
        }
        options.encoding = textEncoding
        guard let duplicate = ImportOptions.Duplicate(rawValue: onDuplicate) else {
            throw ValidationError("--on-duplicate must be skip or replace; got '\(onDuplicate)'")
        }
        options.onDuplicate = duplicate
        options.append = append
        options.key = key
        var zone: TimeZone?
        if let timezone {
            guard let found = TimeZone(identifier: timezone) else {
                throw ValidationError("--timezone '\(timezone)' is not an IANA time zone (e.g. America/Chicago, Europe/Paris, UTC)")
            }
            zone = found
        }
        options.timestamps = TimestampParser(formats: timestampFormat, zone: zone)
        guard let nonexistent = TimestampParser.Nonexistent(rawValue: nonexistentTime) else {
            throw ValidationError("--nonexistent-time must be refuse or forward; got '\(nonexistentTime)'")
        }
        guard let ambiguous = TimestampParser.Ambiguous(rawValue: ambiguousTime) else {
            throw ValidationError("--ambiguous-time must be refuse, earlier or later; got '\(ambiguousTime)'")
        }
        options.timestamps.nonexistent = nonexistent
        options.timestamps.ambiguous = ambiguous
        if let covers {
            guard covers != "yesterday" else { throw ValidationError("--covers takes days: YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD") }
            if let problem = ReleaseWindow.problem(covers) { throw ValidationError("--covers: \(problem)") }
            let days = ReleaseWindow.days(of: ReleaseWindow.padded(covers))
            options.covers = days.first...days.last
        }
        // A refused import of a new store leaves no empty store file behind.
        let storeExisted = FileManager.default.fileExists(atPath: store)
        do {
            let database = try OperationalStore(path: store, create: true)
            let report = try CSVImporter.importFile(file, into: database, table: table, options: options)
            var line = "\(report.appended ? "appended" : "imported") \(report.inserted) of \(report.rows) rows into \(report.table)"
            if report.skipped > 0 { line += "; \(report.skipped) already present (skipped)" }
            if report.replaced > 0 { line += "; \(report.replaced) replaced" }
            console.info(line, typed: ["rows": .integer(report.rows), "inserted": .integer(report.inserted), "skipped": .integer(report.skipped),
                                       "replaced": .integer(report.replaced), "table": .text(report.table), "gzip": .flag(report.gzip)])
            for column in report.columns {
                console.info("  \(column.name): \(column.type.rawValue)", ["column": column.name, "type": column.type.rawValue])
            }
            if report.skippedLocalTimes > 0 || report.repeatedLocalTimes > 0 {
                console.info("  clock changes: \(report.skippedLocalTimes) local times the clocks skip (read \(nonexistentTime)), \(report.repeatedLocalTimes) they pass twice (read \(ambiguousTime))",
                             typed: ["skipped_local_times": .integer(report.skippedLocalTimes), "repeated_local_times": .integer(report.repeatedLocalTimes)])
            }
            for (column, days) in report.covered {
                let span = days.lowerBound == days.upperBound ? days.lowerBound : "\(days.lowerBound)..\(days.upperBound)"
                console.info("  covers \(span) (\(column))", ["column": column, "covers": span])
            }
        } catch {
            if !storeExisted {
                for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: store + suffix) }
            }
            throw Failure.report(error, console)
        }
    }
}
