import DifferentialPrivacy
import Foundation
import GRDB
import PrivacyPolicy

/// Period totals of `totals_over:` outputs: week, month, quarter or year totals of a
/// daily output's counts and sums, each noised once when its period ends, so a year's
/// total carries one noise instead of 365 (see ``AggregateEngine/bound(totals:statistics:bounds:budget:weights:)``
/// for the guarantee and why the nightly charge already pays for it).
///
/// Each night the exact bounded totals of the window's days are kept in the private
/// state database (`period_days`); a release whose window reaches past a period's last
/// day adds up that period's days, draws its noise and stores the result for good
/// (`period_results`); a day is deleted once every period holding it is published.
/// The release publishes, for each level, the periods that ended in its window (often
/// none: a file with its header only), each with the number of released days it adds up
/// (`days`: a period that began before the dataset's first release has fewer), and a
/// re-issued window publishes the same stored periods again. A day first released after its period was published is not in
/// that period's total (its charge stands).
///
/// A period keeps its bounds: each stored day records the settings it was bounded with
/// (contribution bounds, statistics with their clamping bounds, ε). A period is noised for
/// the settings of the night that closes it, so a release whose settings differ from those
/// of a day still stored for an open period is refused, naming the period and its first
/// released day: otherwise days bounded at 50 rows per person would be noised as if bounded
/// at 1, and one person could move the total far beyond its published margin.
enum PeriodTotals {
    /// The column after a period total's key: how many released days it adds up.
    static let daysColumn = "days"

    /// What one release does for period totals, computed (noise included) before its commit.
    struct Plan: Sendable {
        /// Exact totals of the window's days, per daily output (written in the commit).
        var days: [(output: String, day: String, totals: ExactTotals)] = []
        /// The settings each daily output's days were bounded with (``AggregateParameters/periodSettings``).
        var settings: [String: String] = [:]
        /// Periods that end now: their noisy totals (written in the commit).
        var closed: [(output: String, period: String, result: AggregateResult)] = []
        /// Days no period still needs (deleted in the commit).
        var spent: [(output: String, day: String)] = []
        /// Each period-total output's published result for this release.
        var results: [(output: OutputSpec, spec: AggregateSpec, result: AggregateResult)] = []
    }

    /// The period totals of `policy` for `window`, given its bounded daily outputs.
    static func plan(policy: Policy, window: ReleaseWindow, bounded: [AggregateRelease.Bounded], state: StateStore,
                     sampler: ExactSampler) throws(PublisherError) -> Plan {
        var plan = Plan()
        let dataset = policy.dataset.id
        let lastDay = PeriodCalendar.lastDay(ofWindow: window.label)
        guard let following = PeriodCalendar.next(lastDay) else { return plan }
        for item in bounded where !item.spec.totalsOver.isEmpty {
            guard let dayIndex = item.spec.groupBy.firstIndex(where: { $0.level == "day" }) else { continue }
            // This window's days, then every stored day of this output with this window's replacing stored ones.
            let totals = item.aggregate.additiveTotals
            let settings = AggregateParameters(item.spec).periodSettings
            let storedWithSettings = try storedDays(dataset: dataset, output: item.output.id, state: state)
            var changed: [String: [String]] = [:]   // period → stored days bounded otherwise
            for (day, stored) in storedWithSettings where !stored.settings.isEmpty && stored.settings != settings {
                for level in item.spec.totalsOver {
                    if let label = PeriodCalendar.period(of: day, level: level) { changed[label, default: []].append(day) }
                }
            }
            if let (period, days) = changed.min(by: { $0.key < $1.key }), let first = days.min() {
                throw .refused("output '\(item.output.id)': its contribution bounds, statistics or ε changed while period \(period) is open (released from \(first) with \(storedWithSettings[first]?.settings ?? "other settings"); now \(settings)); its total would be noised for the new bounds. Keep the old settings until the period ends, then change them")
            }
            var days: [String: ExactTotals] = storedWithSettings.mapValues(\.totals)
            for day in Set(totals.groupKeys.map { $0[dayIndex] }).sorted() {
                let part = totals.regrouped { $0[dayIndex] == day ? $0 : nil }
                plan.days.append((item.output.id, day, part))
                plan.settings[item.output.id] = settings
                days[day] = part
            }
            var published: [String: Set<String>] = [:]
            for output in policy.publishedOutputs {
                guard case let .aggregate(spec) = output.kind, let period = spec.periodOf, period.output == item.output.id else { continue }
                let stored = try storedPeriods(dataset: dataset, output: output.id, state: state)
                published[period.level] = Set(stored.keys)
                guard let boundary = PeriodCalendar.period(of: following, level: period.level) else { continue }
                var ending: [String: [ExactTotals]] = [:]
                for (day, part) in days {
                    guard let label = PeriodCalendar.period(of: day, level: period.level), label < boundary, stored[label] == nil else { continue }
                    ending[label, default: []].append(part)
                }
                let parameters = AggregateParameters(spec)
                var results = stored.filter { $0.value.window == window.label }.map { ($0.key, $0.value.result) }
                for (label, parts) in ending.sorted(by: { $0.key < $1.key }) {
                    let sum = parts.dropFirst().reduce(parts[0]) { $0.appending($1) }.regrouped { key in
                        var periodKey = key
                        periodKey[dayIndex] = label
                        return periodKey
                    }
                    var result = try release(sum, parameters: parameters, output: output.id, sampler: sampler)
                    // Which days were released is public; a period that began before the first release says so.
                    for index in result.rows.indices { result.rows[index].key.append(String(parts.count)) }
                    plan.closed.append((output.id, label, result))
                    results.append((label, result))
                    published[period.level, default: []].insert(label)
                }
                // With no period ending, an empty result still states the noise the periods get.
                let empty = ExactTotals(groupKeys: [], statistics: totals.statistics, values: totals.statistics.map { _ in [] })
                var combined = try release(empty, parameters: parameters, output: output.id, sampler: sampler)
                combined.rows = results.sorted { $0.0 < $1.0 }.flatMap(\.1.rows)
                plan.results.append((output, spec, combined))
            }
            // A day goes once every level's period holding it is published.
            for day in days.keys.sorted() where item.spec.totalsOver.allSatisfy({ level in
                PeriodCalendar.period(of: day, level: level).map { published[level]?.contains($0) == true } ?? true
            }) {
                plan.spent.append((item.output.id, day))
            }
        }
        return plan
    }

    /// Writes `plan` inside the release's commit transaction.
    static func write(_ plan: Plan, dataset: String, window: ReleaseWindow, in db: Database) throws {
        let encoder = JSONEncoder()
        for (output, day, totals) in plan.days {
            try db.execute(sql: "INSERT OR REPLACE INTO period_days (dataset, output, day, totals, settings) VALUES (?, ?, ?, ?, ?)",
                           arguments: [dataset, output, day, try encoder.encode(totals), plan.settings[output] ?? ""])
        }
        for (output, period, result) in plan.closed {
            try db.execute(sql: "INSERT INTO period_results (dataset, output, period, window, result) VALUES (?, ?, ?, ?, ?)",
                           arguments: [dataset, output, period, window.label, try encoder.encode(result)])
        }
        for (output, day) in plan.spent {
            try db.execute(sql: "DELETE FROM period_days WHERE dataset = ? AND output = ? AND day = ?", arguments: [dataset, output, day])
        }
    }

    private static func release(_ totals: ExactTotals, parameters: AggregateParameters, output: String,
                                sampler: ExactSampler) throws(PublisherError) -> AggregateResult {
        do {
            let bounded = try AggregateEngine.bound(totals: totals, statistics: parameters.statistics, bounds: parameters.bounds,
                                                    budget: parameters.budget, weights: parameters.weights)
            return AggregateEngine.release(bounded, sampler: sampler)
        } catch {
            throw .refused("output '\(output)': \(error)")
        }
    }

    private static func storedDays(dataset: String, output: String,
                                   state: StateStore) throws(PublisherError) -> [String: (totals: ExactTotals, settings: String)] {
        do {
            return try state.queue.read { db in
                var days: [String: (totals: ExactTotals, settings: String)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT day, totals, settings FROM period_days WHERE dataset = ? AND output = ?",
                                            arguments: [dataset, output]) {
                    let data: Data = row["totals"]
                    days[row["day"]] = (try JSONDecoder().decode(ExactTotals.self, from: data), row["settings"])
                }
                return days
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the stored day totals of \(output) (\(error))")
        }
    }

    private static func storedPeriods(dataset: String, output: String,
                                      state: StateStore) throws(PublisherError) -> [String: (window: String, result: AggregateResult)] {
        do {
            return try state.queue.read { db in
                var periods: [String: (window: String, result: AggregateResult)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT period, window, result FROM period_results WHERE dataset = ? AND output = ?",
                                            arguments: [dataset, output]) {
                    let data: Data = row["result"]
                    periods[row["period"]] = (row["window"], try JSONDecoder().decode(AggregateResult.self, from: data))
                }
                return periods
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the stored period totals of \(output) (\(error))")
        }
    }
}
