import Foundation
import PublicSite

/// A Prometheus node_exporter textfile (`--metrics FILE`, text exposition format 0.0.4) written
/// after every release run, so a missed or failing night raises an alert: the time of the last
/// run and of the last success, the run's duration, each dataset's latest release sequence and
/// outcome, and, per population, the ε the most-charged person accrued over 365 days and the cap.
///
/// The file is written under a temporary name beside it and renamed, so the exporter never reads
/// half a file. `opendata_last_success_timestamp_seconds` is carried over from the previous file
/// when this run did not succeed, so an alert on its age fires after a failed night.
public struct MetricsFile {
    /// The textfile (in node_exporter's `--collector.textfile.directory`).
    public var path: String

    /// Metrics written to `path`.
    public init(path: String) {
        self.path = path
    }

    /// Writes the metrics of a run that finished at `now` after `duration` seconds, reading each
    /// population's charges and each dataset's latest sequence from the state database at
    /// `state` (none when there is no database yet: a run that failed before creating it).
    /// - Throws: ``PublisherError/io(path:reason:)`` when the file cannot be written.
    public func write(now: Date, duration: TimeInterval, outcomes: [ReleaseRun.Outcome]?, state statePath: String) throws(PublisherError) {
        let state = FileManager.default.fileExists(atPath: statePath) ? try? StateStore(path: statePath) : nil
        let populations = state.flatMap { try? PopulationSummary.all(state: $0, now: now) } ?? []
        var sequences: [String: Int] = [:]
        for release in (try? state?.releases()) ?? [] { sequences[release.dataset] = release.sequence }
        try write(now: now, duration: duration, outcomes: outcomes, populations: populations, sequences: sequences)
    }

    /// Writes the metrics of a run that finished at `now` after `duration` seconds.
    /// - Throws: ``PublisherError/io(path:reason:)`` when the file cannot be written.
    /// `outcomes` are nil when the run failed before releasing anything.
    public func write(now: Date, duration: TimeInterval, outcomes: [ReleaseRun.Outcome]?, populations: [PopulationSummary],
                      sequences: [String: Int]) throws(PublisherError) {
        let success = outcomes.map { $0.allSatisfy { $0.status != .refused } } ?? false
        let lastSuccess = success ? now.timeIntervalSince1970 : previous("opendata_last_success_timestamp_seconds")
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for sample in samples {
                lines.append("\(name)\(sample.labels.isEmpty ? "" : "{\(sample.labels)}") \(Self.format(sample.value))")
            }
        }
        func label(_ key: String, _ value: String) -> String {
            "\(key)=\"\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n"))\""
        }
        metric("opendata_last_run_timestamp_seconds", "When the last release run finished (Unix time).", [("", now.timeIntervalSince1970)])
        metric("opendata_last_success_timestamp_seconds", "When a release run last finished with no dataset refused (Unix time).",
               lastSuccess.map { [("", $0)] } ?? [])
        metric("opendata_last_run_success", "1 when the last run refused no dataset, else 0.", [("", success ? 1 : 0)])
        metric("opendata_run_duration_seconds", "How long the last release run took.", [("", duration)])
        metric("opendata_dataset_refused", "1 when the last run refused the dataset.",
               (outcomes ?? []).map { (label("dataset", $0.dataset), $0.status == .refused ? 1 : 0) })
        metric("opendata_release_sequence", "Sequence number of each dataset's latest release.",
               sequences.sorted { $0.key < $1.key }.map { (label("dataset", $0.key), Double($0.value)) })
        metric("opendata_population_epsilon_spent_max", "The largest ε any person of the population accrued over the last 365 days.",
               populations.compactMap { summary in summary.largestEpsilon.map { (label("population", summary.population), $0) } })
        metric("opendata_population_epsilon_cap", "The population's rolling 365-day ε cap per person.",
               populations.compactMap { summary in summary.epsilonCap.map { (label("population", summary.population), $0) } })
        let text = lines.joined(separator: "\n") + "\n"
        let temporary = path + ".tmp-\(getpid())"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io(path: path, reason: "cannot write the metrics file (\(error.localizedDescription))")
        }
    }

    /// The value of an unlabelled metric in the file as it is now, if any.
    func previous(_ name: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
