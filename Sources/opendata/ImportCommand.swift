import ArgumentParser
import OperationalStore

/// `opendata import`: loads a CSV export into the operational store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV file into a new table of the operational store, all or nothing.",
        discussion: """
            Reads RFC 4180 CSV (quoted fields with commas, quotes and line breaks; CRLF or LF; \
            optional UTF-8 byte-order mark) with a header row. Each column's type is inferred from \
            all of its values (integer, real, ISO-8601 datetime, text) and reported. A malformed \
            row stops the import with its line number and the store is left unchanged. Files of \
            any size stream in constant memory.

            Example:
              opendata import --store city.sqlite --table calls mke_calls.csv
            """
    )

    @Option(help: "The operational store (SQLite); created if missing.")
    var store: String

    @Option(help: "Name of the new table (letters, digits, '_').")
    var table: String

    @Argument(help: "The CSV file.")
    var file: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        do {
            let database = try OperationalStore(path: store, create: true)
            let report = try CSVImporter.importFile(file, into: database, table: table)
            console.info("imported \(report.rows) rows into \(report.table)", ["rows": String(report.rows), "table": report.table])
            for column in report.columns {
                console.info("  \(column.name): \(column.type.rawValue)", ["column": column.name, "type": column.type.rawValue])
            }
        } catch {
            throw Failure.report(error, console)
        }
    }
}
