import Anonymization
import DifferentialPrivacy
import ArgumentParser
import Demo
import Foundation
import OperationalStore
import Publisher
import ReleaseFormat
import Tabular

/// `opendata-bench`: the performance figures the README records, reproducible on any machine.
/// A program of its own, so the `opendata` a steward runs carries no benchmark code.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opendata-bench",
        abstract: "Measure the engines on generated or reference data (figures for the README).",
        discussion: "Build and run it with: swift run -c release opendata-bench SUBCOMMAND …",
        subcommands: [BenchAnonymizeCommand.self, BenchNoiseCommand.self, BenchAggregateCommand.self, BenchGzipCommand.self,
                      BenchReleaseCommand.self, BenchDisparityCommand.self, BenchIntervalsCommand.self]
    )

    /// Runs the subcommand under the heap policy `opendata` itself runs under (``HeapPolicy``), so
    /// the figures are the tool's.
    static func main() {
        HeapPolicy.keepFreedMemory()
        main(nil)
    }
}

/// `opendata bench anonymize`: the k-anonymity search on Adult and on generated records.
struct BenchAnonymizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anonymize",
        abstract: "Time the optimal k-anonymity search.",
        discussion: """
            With --adult DIR: ARX's Adult data (adult.csv and its hierarchies), k = 5, 4% suppression, \
            non-uniform entropy, timed from reading the CSV to the optimum, over --runs runs.
            Otherwise: --records generated records with 5 quasi-identifiers (age, sex, zip, day, \
            district), k = 10, 2% suppression.

            Example:
              opendata bench anonymize --adult ../shared/data/arx-adult
              opendata bench anonymize --records 1000000
            """
    )

    @Option(help: "Folder with ARX's adult.csv and its hierarchy files.")
    var adult: String?

    @Option(help: "Generated records (without --adult).")
    var records = 1_000_000

    @Option(help: "Repetitions; the median is reported.")
    var runs = 5

    func run() throws {
        var times: [Double] = []
        var summary = ""
        var prepared: (Table, AnonymizationConfiguration)?
        if adult == nil {
            let started = Date()
            prepared = try Self.generated(records)
            print(String(format: "generated %d records in %.3f s (not timed below)", records, Date().timeIntervalSince(started)))
        }
        for _ in 0..<max(runs, 1) {
            let started = Date()
            let table: Table
            let configuration: AnonymizationConfiguration
            if let prepared {
                (table, configuration) = prepared
            } else if let adult {
                table = try CSVTable.load((adult as NSString).appendingPathComponent("adult.csv")).table
                let hierarchies = try table.columnNames.map { column in
                    try Hierarchy.load(arxFile: (adult as NSString).appendingPathComponent("adult_hierarchy_\(column).csv"), column: column)
                }
                configuration = AnonymizationConfiguration(quasiIdentifiers: hierarchies, models: [.kAnonymity(5)],
                                                           suppressionLimit: 0.04, metric: .entropy)
            } else {
                throw ValidationError("nothing to measure")
            }
            let result = try Anonymizer.anonymize(table, configuration: configuration)
            times.append(Date().timeIntervalSince(started))
            summary = "optimum [\(result.transformation.map(String.init).joined(separator: ","))], loss \(result.loss), \(result.checked) of \(result.latticeSize) transformations grouped, \(result.suppressed) suppressed"
        }
        times.sort()
        print(summary)
        print(String(format: "median %.3f s, min %.3f s over %d runs; peak resident memory %.0f MB",
                     times[times.count / 2], times[0], times.count, peakMemoryMegabytes()))
    }

    /// Records with five quasi-identifiers drawn from skewed distributions.
    static func generated(_ count: Int) throws -> (Table, AnonymizationConfiguration) {
        var generator = SeededGenerator(seed: 2026)
        var table = Table(columnNames: ["age", "sex", "zip", "day", "district"])
        for _ in 0..<count {
            let age = min(95, max(16, Int(40 + 17 * generator.normal())))
            let zip = 53200 + Int(pow(generator.unit(), 2) * 99)
            let day = 1 + Int(generator.unit() * 28)
            table.append(row: [String(age), generator.unit() < 0.5 ? "F" : "M", String(zip),
                               String(format: "2026-02-%02d", day), String(1 + Int(generator.unit() * 7))])
        }
        func values(_ name: String) -> [String] { table.column(named: name)?.dictionary ?? [] }
        let utc = TimeZone(identifier: "UTC") ?? .current
        let hierarchies = [
            try HierarchyRecipe.bands([5, 10, 20], top: 80).build(column: "age", values: values("age")),
            try HierarchyRecipe.explicit(Hierarchy(column: "sex", rows: [["F", "*"], ["M", "*"]])).build(column: "sex", values: values("sex")),
            try HierarchyRecipe.prefix([1, 2, 3]).build(column: "zip", values: values("zip")),
            try HierarchyRecipe.time([.week, .month], timezone: utc).build(column: "day", values: values("day")),
            try HierarchyRecipe.explicit(Hierarchy(column: "district", rows: (1...7).map { ["\($0)", $0 <= 3 ? "North" : "South", "*"] }))
                .build(column: "district", values: values("district")),
        ]
        return (table, AnonymizationConfiguration(quasiIdentifiers: hierarchies, models: [.kAnonymity(10)],
                                                  suppressionLimit: 0.02, metric: .entropy))
    }
}

/// `opendata bench noise`: exact samplers' throughput on one core.
struct BenchNoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noise",
        abstract: "Samples per second of the exact discrete Laplace and Gaussian samplers (OS CSPRNG, one core).",
        discussion: "Example:\n  opendata bench noise --samples 2000000"
    )

    @Option(help: "Samples per measurement.")
    var samples = 2_000_000

    func run() throws {
        let sampler = ExactSampler(random: try SystemRandom())
        for scale in [1, 100, 1_000_000] {
            var sink: Int64 = 0
            let started = Date()
            for _ in 0..<samples { sink &+= sampler.discreteLaplace(scaleNumerator: UInt64(scale), scaleDenominator: 1) }
            let laplace = Double(samples) / Date().timeIntervalSince(started)
            let gaussianSamples = max(samples / 10, 1000)
            let sigmaSquared = Fraction(scale * scale)
            let gaussianStarted = Date()
            for _ in 0..<gaussianSamples { sink &+= Int64(truncatingIfNeeded: sampler.discreteGaussian(sigmaSquared: sigmaSquared)) }
            let gaussian = Double(gaussianSamples) / Date().timeIntervalSince(gaussianStarted)
            print(String(format: "scale %-9d discrete Laplace %10.0f samples/s   discrete Gaussian (σ = scale) %10.0f samples/s   (checksum %d)",
                         scale, laplace, gaussian, sink & 1))
        }
    }
}

/// `opendata bench gzip`: CSV → deterministic gzip → SHA-256 throughput.
struct BenchGzipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gzip",
        abstract: "Write generated CSV rows through the release gzip writer and time it (compression and hashing).",
        discussion: "Example:\n  opendata bench gzip --megabytes 1024 --out /tmp/bench.csv.gz"
    )

    @Option(help: "Uncompressed CSV size to write, in MiB.")
    var megabytes = 1024

    @Option(help: "Where to write the compressed file (deleted afterwards).")
    var out = "/tmp/opendata-bench.csv.gz"

    @Option(help: "zlib level (releases use GzipFileWriter's default).")
    var level: Int32 = GzipFileWriter.defaultLevel

    func run() throws {
        // Rows shaped like a calls-for-service microdata output.
        var block = Data()
        var generator = SeededGenerator(seed: 3)
        let types = ["TRAFFIC STOP", "TRBL W/SUBJ", "WELFARE CITIZEN", "THEFT", "BATTERY", "SHOTSPOTTER"]
        for i in 0..<20_000 {
            let line = "2026-11-\(10 + i % 20),\(1000 + Int(generator.next() % 9000) / 100 * 100) BLOCK N \(Int(generator.next() % 90) + 1)TH ST,\(1 + i % 7)\(["A", "B", "C"][i % 3]),\(20 + Int(generator.next() % 6) * 10)-\(29 + Int(generator.next() % 6) * 10),\(types[Int(generator.next() % 6)]),\(1 + i % 5)\n"
            block.append(contentsOf: line.utf8)
        }
        let target = megabytes << 20
        let started = Date()
        let writer = try GzipFileWriter(path: out, level: level)
        var written = 0
        while written < target {
            try writer.write(block)
            written += block.count
        }
        let (bytes, sha) = try writer.finish()
        let seconds = Date().timeIntervalSince(started)
        try? FileManager.default.removeItem(atPath: out)
        print(String(format: "%.0f MiB of CSV → %.0f MiB gzip (sha256 %@…) in %.2f s: %.0f MiB/s on %d cores, level %d",
                     Double(written) / 1_048_576, Double(bytes) / 1_048_576, String(sha.prefix(12)), seconds,
                     Double(written) / 1_048_576 / seconds, ProcessInfo.processInfo.activeProcessorCount, level))
    }
}

/// Peak resident memory of this process so far, in MiB (Linux `ru_maxrss` is in KiB).
func peakMemoryMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// `opendata bench release`: a backfill of one window of a generated city, timed stage by stage.
struct BenchReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Time 'opendata release' of one window holding --records generated calls (all built-in policies).",
        discussion: """
            Builds a demo city whose calls all fall on one day (kept in --workdir and reused by later \
            runs: building ten million calls takes minutes), then publishes that day into a fresh \
            folder and prints the time at which each stage finished, the wall time and the peak \
            resident memory. Example (the README's backfill figure):
              opendata bench release --records 10000000 --workdir /tmp/opendata-backfill
            """
    )

    @Option(help: "Calls in the window.")
    var records = 10_000_000

    @Option(help: "Folder for the generated city (reused when it already holds one).")
    var workdir = "/tmp/opendata-bench-release"

    func run() throws {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC") ?? utc.timeZone
        let day = utc.date(from: DateComponents(year: 2026, month: 11, day: 22)) ?? Date(timeIntervalSince1970: 0)
        let options = Demo.Options(workdir: workdir,
                                   city: DemoCityOptions(records: records, days: 1, seed: 2026,
                                                         end: day.addingTimeInterval(86400)),
                                   policiesFolder: nil)
        let store = (workdir as NSString).appendingPathComponent("store.sqlite")
        if FileManager.default.fileExists(atPath: store) {
            print("reusing the city in \(workdir) (delete it to build another)")
        }
        let prepared = try Demo.prepare(options, reuseCity: true) { print($0) }
        let out = (workdir as NSString).appendingPathComponent("bench-\(UUID().uuidString.prefix(8))")
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: PublisherPaths(out: out).privateFolder)
        }
        // Every bench run measures a first release of the generated city, with a ledger of its own.
        try OperationalStore(path: prepared.storePath).unbindLedger()
        var run = ReleaseRun.Options(store: prepared.storePath, key: prepared.key, policies: prepared.policies,
                                     window: .day("2026-11-22"), out: out, pseudonymKey: prepared.pseudonymKey,
                                     now: day.addingTimeInterval(86400 + 12 * 3600))
        // The generated city's history is cleared by its first retention run, as in the demo.
        run.confirmMassDeletion = true
        let started = Date()
        let outcomes = try ReleaseRun.run(run) { line in
            print(String(format: "%7.1f s  ", Date().timeIntervalSince(started)) + line)
        }
        print(String(format: "%d datasets published in %.1f s wall; peak resident memory %.0f MiB",
                     outcomes.count, Date().timeIntervalSince(started), peakMemoryMegabytes()))
    }
}
