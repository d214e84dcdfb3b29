import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Tabular

/// The public dashboard of one dataset (`Releases/catalog/<dataset>/index.html`): how the published
/// figures change over releases, what the privacy protection costs in accuracy, how the record
/// files were generalised each night, the equity comparisons, and a map when the policy names a
/// boundary file.
///
/// Everything is drawn from ``DatasetHistory`` (published values only) as inline SVG with a
/// table alternative: no script, no style or font from elsewhere, nothing fetched. Sums over
/// groups carry the interval of their added noise, computed from the noise distribution the
/// report states (a normal approximation, 1.96 standard deviations of the summed noise).
public enum Dashboard {
    /// Most groups drawn as small multiples per output; the largest are chosen and the page says so.
    static let smallMultiples = 12

    /// The page of `dataset`.
    public static func page(_ dataset: PublicIndex.Dataset, now: Date) -> String {
        let policy = dataset.policy
        let e = HTML.escape
        let id = policy.dataset.id
        let history = dataset.history.releases
        var body = "<header><p><a href=\"../../index.html\">All datasets</a></p><h1>\(e(policy.dataset.title))</h1><p>\(e(policy.dataset.description))</p>"
        body += "<p><strong>\(policy.dataset.guarantee == .differentialPrivacy ? "Differential privacy" : "k-anonymity only")</strong>: \(e(GuaranteeCheck.statement(for: policy)))</p></header>\n<main>\n"
        guard let latest = history.last else {
            return wrap(title: policy.dataset.title, body: body + "<p>No release yet.</p></main>")
        }
        body += "<section aria-labelledby=\"\(e(id))-files\"><h2 id=\"\(e(id))-files\">Downloads</h2><p>\(history.count) release\(history.count == 1 ? "" : "s") from \(e(history.first?.release.window ?? "")) to \(e(latest.release.window)); the latest is <a href=\"../../\(e(id))/\(e(latest.release.release))/privacy-report.html\">\(e(latest.release.release))</a>.</p><ul>"
        for output in policy.outputs {
            body += "<li>\(e(output.title ?? output.id)): <a href=\"\(e(output.id)).all.csv.gz\">every release</a> (<a href=\"\(e(output.id)).all.schema.json\">schema</a>), <a href=\"\(e(output.id)).latest.csv.gz\">latest release</a></li>"
        }
        body += "</ul></section>\n"
        if let map = policy.map, let section = mapSection(map, policy: policy, history: history) { body += section }
        var trends = ""
        var equity = ""
        for output in policy.outputs {
            switch output.kind {
            case let .aggregate(spec):
                if let disparity = spec.disparity {
                    equity += equitySection(output, disparity: disparity, history: history)
                } else {
                    trends += trendSection(output, spec: spec, history: history)
                }
            case let .microdata(spec):
                trends += recordSection(output, spec: spec, history: history)
            }
        }
        if !trends.isEmpty {
            body += "<section aria-labelledby=\"\(e(id))-trends\"><h2 id=\"\(e(id))-trends\">Trends</h2>\(trends)</section>\n"
        }
        if !equity.isEmpty {
            body += "<section aria-labelledby=\"\(e(id))-equity\"><h2 id=\"\(e(id))-equity\">Equity</h2>\(equity)</section>\n"
        }
        body += "</main><footer><p>Updated \(e(ISO8601DateFormatter().string(from: now))). Every figure here is read from published, signed releases; nothing on this page was computed from the department's records.</p></footer>"
        return wrap(title: policy.dataset.title, body: body)
    }

    /// The latest release's counts per region of the policy's map, summed over the output's other
    /// keys, each with the 95% interval of its summed noise.
    static func mapSection(_ map: MapSpec, policy: Policy, history: [DatasetHistory.Release]) -> String? {
        guard let output = map.output,
              case let .aggregate(spec)? = policy.outputs.first(where: { $0.id == output })?.kind,
              let keyIndex = spec.groupBy.firstIndex(where: { $0.column == map.column && $0.level == nil }),
              let (release, values) = latestCountSums(output, history: history, by: { keyIndex < $0.count ? $0[keyIndex] : nil }) else { return nil }
        let e = HTML.escape
        let title = "\(output): count per \(map.column), release \(release.release.release)"
        return "<section aria-labelledby=\"map-heading\"><h2 id=\"map-heading\">Map</h2>"
            + ChoroplethMap(id: "map", title: title, map: map, values: values).html
            + "<p>Boundaries: \(e(map.file)). Each area's count is the sum of its published noisy counts.</p></section>\n"
    }

    /// The newest release of `output` that published counts, and per label (`label` of a row's key;
    /// nil leaves the row out) the sum of those noisy counts with the 95% margin of that sum.
    static func latestCountSums(_ output: String, history: [DatasetHistory.Release], by label: ([String]) -> String?)
        -> (release: DatasetHistory.Release, sums: [String: (value: Double, margin: Double)])?
    {
        guard let (release, result) = history.reversed().lazy.compactMap({ release in release.results[output].map { (release, $0) } }).first,
              let column = result.statistics.firstIndex(of: "count"),
              let noise = result.noise.first(where: { $0.statistic == "count" }) else { return nil }
        var sums: [String: (value: Double, cells: Int)] = [:]
        for row in result.rows {
            guard let key = label(row.key) else { continue }
            sums[key, default: (0, 0)].value += row.values[column]
            sums[key, default: (0, 0)].cells += 1
        }
        let deviation = noise.distribution.standardDeviation
        return (release, sums.mapValues { (value: $0.value, margin: summedMargin(deviation: deviation, cells: $0.cells)) })
    }

    /// One aggregate output's counts over releases: the total, small multiples per group of its
    /// first non-time key, and what the noise costs.
    static func trendSection(_ output: OutputSpec, spec: AggregateSpec, history: [DatasetHistory.Release]) -> String {
        let e = HTML.escape
        let id = "\(output.id)-trend"
        var html = "<h3 id=\"\(e(id))\">\(e(output.title ?? output.id))</h3>"
        let facet = spec.groupBy.firstIndex { $0.level == nil }
        // Per release: total and per-facet sums of the noisy counts, with the number of cells summed.
        var totals: [ChartPoint] = []
        var byFacet: [String: [Int: (sum: Double, cells: Int, deviation: Double)]] = [:]
        var latestMargins: (swamped: Int, cells: Int, margin: Double)?
        for (index, release) in history.enumerated() {
            guard let result = release.results[output.id], let column = result.statistics.firstIndex(of: "count"),
                  let noise = result.noise.first(where: { $0.statistic == "count" }) else {
                totals.append(ChartPoint(label: release.release.window, value: nil))
                continue
            }
            let deviation = noise.distribution.standardDeviation
            let sum = result.rows.reduce(0) { $0 + $1.values[column] }
            let spread = summedMargin(deviation: deviation, cells: result.rows.count)
            totals.append(ChartPoint(label: release.release.window, value: sum, low: sum - spread, high: sum + spread))
            if let facet {
                for row in result.rows where facet < row.key.count {
                    var entry = byFacet[row.key[facet], default: [:]][index] ?? (0, 0, deviation)
                    entry.sum += row.values[column]
                    entry.cells += 1
                    byFacet[row.key[facet], default: [:]][index] = entry
                }
            }
            if index == history.count - 1 {
                latestMargins = (result.rows.filter { $0.margins[column] > abs($0.values[column]) }.count, result.rows.count, noise.margin)
            }
        }
        guard totals.contains(where: { $0.value != nil }) else {
            return html + "<p>This output publishes no counts; its statistics are in the files.</p>"
        }
        if let latestMargins {
            html += "<p>What privacy costs here: each published count carries noise within ±\(e(AggregatePlanner.format(latestMargins.margin))) with 95% probability. In the latest release \(latestMargins.swamped) of \(latestMargins.cells) counts were smaller than that margin, so they say little on their own; totals over many groups are far more precise relative to their size.\(spec.keys.values.contains(.private) ? " Groups are listed only when their noisy count passed a threshold, so totals leave out the smallest groups." : "")</p>"
        }
        html += TimeSeriesChart(id: id + "-total", title: "\(output.title ?? output.id): all groups, per release", points: totals, counts: true).html
        html += hourProfile(output, spec: spec, history: history, id: id)
        if let facet {
            let column = spec.groupBy[facet].column
            let size = byFacet.mapValues { $0.values.reduce(0) { $0 + $1.sum } }
            let ranked = byFacet.keys.sorted { a, b in size[a] != size[b] ? size[a] ?? 0 > size[b] ?? 0 : a < b }
            let shown = ranked.prefix(smallMultiples).sorted()
            html += "<p>By \(e(column))\(ranked.count > shown.count ? " (the \(shown.count) largest of \(ranked.count))" : ""):</p><div class=\"multiples\">"
            for (number, group) in shown.enumerated() {
                let points = history.indices.map { index -> ChartPoint in
                    guard let entry = byFacet[group]?[index] else { return ChartPoint(label: history[index].release.window, value: nil) }
                    let spread = summedMargin(deviation: entry.deviation, cells: entry.cells)
                    return ChartPoint(label: history[index].release.window, value: entry.sum, low: entry.sum - spread, high: entry.sum + spread)
                }
                html += TimeSeriesChart(id: "\(id)-\(number)", title: "\(column) \(group)", points: points, small: true, counts: true).html
            }
            html += "</div>"
        }
        return html
    }

    /// For an output grouped by hour: the latest release's counts by hour of the day (its groups
    /// summed per hour), each with the 95% margin of its summed noise; hours, not days, along the axis.
    static func hourProfile(_ output: OutputSpec, spec: AggregateSpec, history: [DatasetHistory.Release], id: String) -> String {
        // `2018-05-18T14` (or a range's hours): the hour of the day is what follows the T.
        guard let hourIndex = spec.groupBy.firstIndex(where: { $0.level == "hour" }),
              let (release, byHour) = latestCountSums(output.id, history: history, by: { key in
                  hourIndex < key.count ? key[hourIndex].split(separator: "T").last.map(String.init) ?? key[hourIndex] : nil
              }), !byHour.isEmpty else { return "" }
        let points = byHour.keys.sorted().map { hour -> ChartPoint in
            let entry = byHour[hour] ?? (0, 0)
            return ChartPoint(label: "\(hour):00", value: entry.value, low: entry.value - entry.margin, high: entry.value + entry.margin)
        }
        return TimeSeriesChart(id: id + "-hours", title: "\(output.title ?? output.id): by hour of the day, release \(release.release.release)",
                               points: points, counts: true, axis: "hours of the day").html
    }

    /// A record-level output's size and generalisation per release.
    static func recordSection(_ output: OutputSpec, spec: MicrodataSpec, history: [DatasetHistory.Release]) -> String {
        let e = HTML.escape
        // Columns with a hierarchy have levels; sensitive and pseudonymised ones are published as they are or removed.
        let columns = spec.columns.filter { column in history.contains { $0.records[output.id]?.levels[column] != nil } }
        var html = "<h3 id=\"\(e(output.id))-records\">\(e(output.title ?? output.id))</h3><p>How coarsely each release published \(e(columns.joined(separator: ", "))): 0 is the value as recorded, higher is coarser, the highest removes the value.</p>"
        html += "<table><caption>Records and generalisation level of each column, per release</caption><thead><tr><th scope=\"col\">Release</th><th scope=\"col\">Records</th>"
        html += columns.map { "<th scope=\"col\">\(e($0))</th>" }.joined() + "</tr></thead><tbody>"
        for release in history.suffix(60).reversed() {
            guard let records = release.records[output.id] else { continue }
            html += "<tr><th scope=\"row\">\(e(release.release.release))</th><td>\(records.count)</td>"
            html += columns.map { column in "<td>\(records.levels[column].map(String.init) ?? "")</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// A disparity output: the latest comparison, the comparison pooled over every release so far,
    /// each group's rate over releases, and the method.
    static func equitySection(_ output: OutputSpec, disparity: DisparitySpec, history: [DatasetHistory.Release]) -> String {
        let e = HTML.escape
        let id = "\(output.id)-equity"
        var html = "<h3 id=\"\(e(id))\">\(e(output.title ?? output.id))</h3>"
        let withResults = history.compactMap { release in release.results[output.id].map { (release, $0) } }
        guard let (latestRelease, latest) = withResults.last else { return html + "<p>Not published yet.</p>" }
        html += "<p>\(e(disparity.explanation))</p>"
        html += "<h4>Latest release (\(e(latestRelease.release.window)))</h4>"
        html += DisparityTable.charts(latest, disparity: disparity, id: id + "-latest", limit: 1)
        // Pooled: the noisy counts of every release added up (post-processing), with as many noise draws.
        var groups: [String] = []
        var pooled: [String: DisparityEstimator.NoisyCounts] = [:]
        for (_, result) in withResults {
            for row in result.rows {
                let group = row.key.last ?? ""
                if pooled[group] == nil { groups.append(group) }
                let counts = DisparityTable.counts(row)
                pooled[group, default: .init(numerator: 0, denominator: 0)].numerator += counts.numerator
                pooled[group, default: .init(numerator: 0, denominator: 0)].denominator += counts.denominator
            }
        }
        let periods = withResults.reduce(0) { total, item in total + Set(item.1.rows.map { $0.key.dropLast() }).count }
        if withResults.count > 1 {
            let combined = DisparityTable.comparison(label: nil, groups: groups, counts: groups.map { pooled[$0] ?? .init(numerator: 0, denominator: 0) },
                                                     scale: DisparityTable.scale(latest), noiseTerms: max(periods / max(withResults.count, 1), 1) * withResults.count,
                                                     disparity: disparity)
            html += "<h4>All \(withResults.count) releases together</h4><p>The noisy counts of every release added up: the noise adds up more slowly than the records, so the pooled intervals are narrower. This costs no privacy; it uses only published numbers.</p>"
            html += DisparityTable.chart(combined, disparity: disparity, id: id + "-pooled",
                                         title: "Share where \(disparity.outcome.phrase), by \(disparity.group), \(withResults.first?.0.release.window ?? "") to \(latestRelease.release.window)")
            html += "<h4>Each group's rate over releases</h4><div class=\"multiples\">"
            // Each release's comparison once (a bootstrap each), shared by every group's chart.
            let latestPeriods = withResults.map { DisparityTable.periods($0.1, disparity: disparity).last }
            for (number, group) in groups.enumerated() {
                let points = zip(withResults, latestPeriods).map { item, period -> ChartPoint in
                    let release = item.0
                    guard let period, let index = period.groups.firstIndex(of: group), period.release.noisy[index].denominator >= 1 else {
                        return ChartPoint(label: release.release.window, value: nil)
                    }
                    let rate = period.release.rates[index]
                    return ChartPoint(label: release.release.window, value: rate.estimate, low: rate.low, high: rate.high)
                }
                html += TimeSeriesChart(id: "\(id)-\(number)", title: "\(disparity.group) \(group)", points: points, domain: 0...1,
                                        format: { String(format: "%.0f%%", $0 * 100) }, small: true).html
            }
            html += "</div>"
        }
        return html
    }

    /// The 95% margin of a sum of `cells` independent noisy counts whose noise has standard
    /// deviation `deviation` (normal approximation: 1.96 standard deviations of the sum).
    static func summedMargin(deviation: Double, cells: Int) -> Double {
        1.96 * deviation * Double(cells).squareRoot()
    }

    /// The page around `body`, with the one inline style sheet.
    static func wrap(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)): dashboard</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;max-width:64rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.5}
        h1,h2,h3,h4{color:#0b3d63}a{color:#0b5394}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #767676;padding:.2rem .5rem;text-align:left}
        caption{text-align:left;font-weight:600}svg{max-width:100%;height:auto}figure{margin:.5rem 0}
        .multiples{display:flex;flex-wrap:wrap;gap:.5rem}.multiples figure{flex:0 1 19rem}.map svg{max-width:36rem}
        summary{cursor:pointer;color:#0b5394}
        @media print{body{max-width:none}section{break-inside:avoid}details{display:block}}
        </style></head>
        <body>
        \(body)
        </body></html>

        """
    }
}
