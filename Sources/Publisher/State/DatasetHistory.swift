import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import PublicSite
import ReleaseFormat

extension DatasetHistory {
    /// Loads the history of `policy`'s dataset from `state` and the release folders under `out`: the
    /// latest ``DatasetHistory/shown`` releases in full (their stored results and, from their published
    /// reports, how their record files were generalised), and every release's equity totals, each
    /// computed once from its stored results and kept in `state`. So a night's cost does not grow
    /// with the number of releases published before it. `known` is the dataset's releases in window
    /// order when the caller has read them already.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when `out` or a folder in it cannot be created or opened,
    ///   or the state's history or stored results cannot be read or written; ``PublisherError/refused(_:)``
    ///   when the dataset's folder or a release folder is a link.
    public static func load(policy: Policy, state: StateStore, ledger: [LedgerEntry], out: String,
                            releases known: [PublishedRelease]? = nil) throws(PublisherError) -> DatasetHistory {
        let dataset = policy.dataset.id
        let budget = BudgetLedger(state: state)
        let root = try PublicFolder.root(out)
        let folder = root.entryType(dataset) == S_IFDIR ? try root.folder(dataset, create: false) : nil
        let all: [PublishedRelease]
        if let known { all = known } else { all = try state.releasesByWindow(dataset: dataset) }
        var releases: [Release] = []
        let shownReleases = all.suffix(shown)
        let key = summaryKey(policy)
        for published in shownReleases {
            let start = ledger.first { $0.window == published.window && $0.sequence == published.windowSequence }?.windowStart
            let latest = published == shownReleases.last
            let storedRates = try state.ratePeriods(release: published.release)
            var summary = latest ? nil : try state.releaseSummary(dataset: dataset, release: published.release).flatMap { $0.key == key ? $0 : nil }
            // Older releases are drawn from their stored summary and rates; their results and report are read only when those are missing.
            var results: [String: AggregateResult] = [:]
            if latest || summary == nil || equityOutputs(policy).contains(where: { storedRates[$0] == nil }) {
                results = try budget.storedResults(dataset: dataset, window: published.window, sequence: published.windowSequence)
            }
            if summary == nil {
                var records: [String: Summary.Records] = [:]
                if let folder, folder.entryType(published.release) == S_IFDIR,
                   let report = try folder.folder(published.release, create: false).read("privacy-report.json"),
                   let document = try? CanonicalJSON.decode(PrivacyReport.Document.self, from: report, file: "privacy-report.json") {
                    for item in document.microdata { records[item.output] = Summary.Records(count: item.records, levels: item.generalizationLevels) }
                }
                var trend: [String: TrendPoint] = [:]
                for output in policy.publishedOutputs {
                    guard case let .aggregate(spec) = output.kind, spec.disparity == nil, let result = results[output.id],
                          let point = TrendPoint(result, facet: spec.groupBy.firstIndex { $0.level == nil }) else { continue }
                    trend[output.id] = point
                }
                let computed = Summary(key: key, trend: trend, records: records)
                try state.saveReleaseSummary(computed, dataset: dataset, release: published.release)
                summary = computed
            }
            releases.append(Release(release: published, start: start, results: latest ? results : [:], trend: summary?.trend ?? [:],
                                    records: (summary?.records ?? [:]).mapValues { ($0.count, $0.levels) },
                                    ratePeriods: try ratePeriods(policy: policy, release: published.release, results: results, stored: storedRates,
                                                                 state: state)))
        }
        return DatasetHistory(releases: releases, total: all.count, firstWindow: all.first?.window,
                              equityTotals: try equityTotals(policy: policy, releases: all, state: state))
    }

    /// Every equity output's noisy counts added up over `releases` (``PublicSite/EquityTotals``), kept
    /// as a running total: each release's row in the state holds the totals through it, so a night
    /// adds its own release to the previous release's row instead of re-reading every release. A row
    /// whose position no longer matches (a window re-issued or caught up since, which inserts a
    /// release before it) is not used; the totals are then added up again from the last row that
    /// matches, from each release's stored results.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read or written.
    static func equityTotals(policy: Policy, releases: [PublishedRelease], state: StateStore) throws(PublisherError) -> [String: EquityTotals] {
        let outputs = equityOutputs(policy)
        guard !outputs.isEmpty else { return [:] }
        let dataset = policy.dataset.id
        // The latest release whose running total is stored at its position, for every output.
        var through: [String: EquityTotals] = [:]
        var next = 0
        for index in releases.indices.reversed() {
            if let row = try state.equityTotals(dataset: dataset, release: releases[index].release), row.position == index + 1,
               outputs.allSatisfy({ row.through[$0] != nil }) {
                through = row.through
                next = index + 1
                break
            }
        }
        let budget = BudgetLedger(state: state)
        for (index, release) in releases.enumerated().dropFirst(next) {
            let results = try budget.storedResults(dataset: dataset, window: release.window, sequence: release.windowSequence)
            for id in outputs {
                // A release without this output (published before it existed) adds nothing.
                if let result = results[id] { through[id, default: EquityTotals()].add(EquityTotals(result, window: release.window)) }
                if through[id] == nil { through[id] = EquityTotals() }
            }
            try state.saveEquityTotals(RunningEquityTotals(position: index + 1, through: through), dataset: dataset, release: release.release)
        }
        return through.filter { $0.value.releases > 0 }
    }

    /// The latest period's rates of each equity output of one release: stored ones, else computed
    /// from its published noisy counts (``PublicSite/DisparityTable/periods(_:disparity:ratesOnly:)``,
    /// deterministic) and stored for the nights after. A stored value that cannot be decoded is
    /// computed again.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read or written.
    static func ratePeriods(policy: Policy, release: String, results: [String: AggregateResult], stored: [String: Data],
                            state: StateStore) throws(PublisherError) -> [String: DisparityTable.Period] {
        let outputs = policy.publishedOutputs.compactMap { output -> (String, DisparitySpec)? in
            guard case let .aggregate(spec) = output.kind, let disparity = spec.disparity, results[output.id] != nil || stored[output.id] != nil else { return nil }
            return (output.id, disparity)
        }
        guard !outputs.isEmpty else { return [:] }
        var periods: [String: DisparityTable.Period] = [:]
        for (id, disparity) in outputs {
            if let data = stored[id], let period = try? JSONDecoder().decode(DisparityTable.Period.self, from: data) {
                periods[id] = period
            } else if let result = results[id], let period = DisparityTable.periods(result, disparity: disparity, ratesOnly: true).last {
                periods[id] = period
                if let data = try? JSONEncoder().encode(period) { try state.cacheRatePeriod(data, release: release, output: id) }
            }
        }
        return periods
    }

    /// The ids of `policy`'s published equity outputs.
    static func equityOutputs(_ policy: Policy) -> [String] {
        policy.publishedOutputs.filter { output in
            if case let .aggregate(spec) = output.kind { spec.disparity != nil } else { false }
        }.map(\.id)
    }

    /// What a stored summary was computed for: each trend output with the key it is faceted by. A
    /// summary stored under another key (the policy changed) is computed again.
    static func summaryKey(_ policy: Policy) -> String {
        policy.publishedOutputs.compactMap { output -> String? in
            guard case let .aggregate(spec) = output.kind, spec.disparity == nil else { return nil }
            return "\(output.id):\(spec.groupBy.firstIndex { $0.level == nil }.map(String.init) ?? "-")"
        }.joined(separator: ",")
    }

    /// The equity totals through one release (``equityTotals(policy:releases:state:)``): per output
    /// id, the noisy counts of every release up to it added up, and its position in window order.
    struct RunningEquityTotals: Codable {
        var position: Int
        var through: [String: EquityTotals]
    }

    /// One release's points on the dashboard (its trend points and record files' levels), computed
    /// once from its stored results and published report and kept in the state database.
    struct Summary: Codable {
        /// A record-level output's size and each column's level.
        struct Records: Codable {
            var count: Int
            var levels: [String: Int]
        }

        /// ``summaryKey(_:)`` of the policy it was computed under.
        var key: String
        var trend: [String: TrendPoint]
        var records: [String: Records]
    }
}
