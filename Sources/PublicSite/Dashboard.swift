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
        let id = policy.dataset.id
        let history = dataset.history.releases
        let guarantee = policy.dataset.guarantee == .differentialPrivacy ? "Differential privacy" : "k-anonymity only"
        let header = HTMLNode.el("header", .el("p", .el("a", ["href": "../../index.html"], .text("All datasets"))),
                                 .el("h1", .text(policy.dataset.title)), .el("p", .text(policy.dataset.description)),
                                 .el("p", .el("strong", .text(guarantee)), .text(": \(GuaranteeCheck.statement(for: policy))")))
        guard let latest = history.last else {
            return wrap(title: policy.dataset.title, body: [header, .newline, .el("main", .newline, .el("p", .text("No release yet.")))])
        }
        let total = dataset.history.total
        var span = "\(total) release\(total == 1 ? "" : "s") from \(dataset.history.firstWindow ?? history.first?.release.window ?? "") to \(latest.release.window)"
        if total > history.count { span += " (the charts below draw the latest \(history.count), each file holds them all)" }
        span += "; the latest is "
        let downloads = policy.outputs.map { output -> HTMLNode in
            .el("li", .text("\(output.title ?? output.id): "), .el("a", ["href": "\(output.id).all.csv.gz"], .text("every release")),
                .text(" ("), .el("a", ["href": "\(output.id).all.schema.json"], .text("schema")), .text("), "),
                .el("a", ["href": "\(output.id).latest.csv.gz"], .text("latest release")))
        }
        var main: [HTMLNode] = [
            .newline,
            .section(id: "\(id)-files", heading: "Downloads", [
                .el("p", .text(span), .el("a", ["href": "../../\(id)/\(latest.release.release)/privacy-report.html"], .text(latest.release.release)), .text(".")),
                .el("ul", children: downloads),
            ]),
            .newline,
        ]
        if let map = policy.map, let section = mapSection(map, policy: policy, history: history) { main.append(section) }
        var trends: [HTMLNode] = []
        var equity: [HTMLNode] = []
        for output in policy.outputs {
            switch output.kind {
            case let .aggregate(spec):
                if let disparity = spec.disparity {
                    equity.append(equitySection(output, disparity: disparity, history: history, pooled: dataset.history.equityTotals[output.id]))
                } else {
                    trends.append(trendSection(output, spec: spec, history: history))
                }
            case let .microdata(spec):
                trends.append(recordSection(output, spec: spec, history: history))
            }
        }
        if !trends.isEmpty { main += [.section(id: "\(id)-trends", heading: "Trends", trends), .newline] }
        if !equity.isEmpty { main += [.section(id: "\(id)-equity", heading: "Equity", equity), .newline] }
        let footer = HTMLNode.el("footer", .el("p", .text(
            "Updated \(ISO8601DateFormatter().string(from: now)). Every figure here is read from published, signed releases; nothing on this page was computed from the department's records.")))
        return wrap(title: policy.dataset.title, body: [header, .newline, .el("main", children: main), footer])
    }

    /// The latest release's counts per region of the policy's map, summed over the output's other
    /// keys, each with the 95% interval of its summed noise.
    static func mapSection(_ map: MapSpec, policy: Policy, history: [DatasetHistory.Release]) -> HTMLNode? {
        guard let output = map.output,
              case let .aggregate(spec)? = policy.outputs.first(where: { $0.id == output })?.kind,
              let keyIndex = spec.groupBy.firstIndex(where: { $0.column == map.column && $0.level == nil }),
              let (release, values) = latestCountSums(output, history: history, by: { keyIndex < $0.count ? $0[keyIndex] : nil }) else { return nil }
        let title = "\(output): count per \(map.column), release \(release.release.release)"
        return .fragment([
            .section(id: "map-heading", heading: "Map", [
                ChoroplethMap(id: "map", title: title, map: map, values: values).node,
                .el("p", .text("Boundaries: \(map.file). Each area's count is the sum of its published noisy counts.")),
            ]),
            .newline,
        ])
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
        let deviation = noise.standardDeviation
        return (release, sums.mapValues { (value: $0.value, margin: summedMargin(deviation: deviation, cells: $0.cells)) })
    }

    /// One aggregate output's counts over releases: the total, small multiples per group of its
    /// first non-time key, and what the noise costs.
    static func trendSection(_ output: OutputSpec, spec: AggregateSpec, history: [DatasetHistory.Release]) -> HTMLNode {
        let id = "\(output.id)-trend"
        var html: [HTMLNode] = [.el("h3", ["id": id], .text(output.title ?? output.id))]
        let facet = spec.groupBy.firstIndex { $0.level == nil }
        // Per release: total and per-facet sums of the noisy counts, with the number of cells summed.
        var totals: [ChartPoint] = []
        var byFacet: [String: [Int: (sum: Double, cells: Int, deviation: Double)]] = [:]
        var latestMargins: (swamped: Int, cells: Int, margin: Double)?
        for (index, release) in history.enumerated() {
            // The stored point, or one computed from the results (the latest release's, or a point kept for another facet).
            let stored = release.trend[output.id].flatMap { $0.facet == facet ? $0 : nil }
            guard let point = stored ?? release.results[output.id].flatMap({ TrendPoint($0, facet: facet) }) else {
                totals.append(ChartPoint(label: release.release.window, value: nil))
                continue
            }
            let sum = point.total.sum
            let spread = summedMargin(deviation: point.deviation, cells: point.total.cells)
            totals.append(ChartPoint(label: release.release.window, value: sum, low: sum - spread, high: sum + spread))
            for (group, entry) in point.facets {
                byFacet[group, default: [:]][index] = (entry.sum, entry.cells, point.deviation)
            }
            if index == history.count - 1, let result = release.results[output.id], let column = result.statistics.firstIndex(of: "count"),
               let noise = result.noise.first(where: { $0.statistic == "count" }) {
                latestMargins = (result.rows.filter { $0.margins[column] > abs($0.values[column]) }.count, result.rows.count, noise.margin)
            }
        }
        guard totals.contains(where: { $0.value != nil }) else {
            return .fragment(html + [.el("p", .text("This output publishes no counts; its statistics are in the files."))])
        }
        if let latestMargins {
            html.append(.el("p", .text("What privacy costs here: each published count carries noise within ±\(OutputColumns.format(latestMargins.margin)) with 95% probability. In the latest release \(latestMargins.swamped) of \(latestMargins.cells) counts were smaller than that margin, so they say little on their own; totals over many groups are far more precise relative to their size.\(spec.rollUp.map { " Each \($0.column) is listed on its own only when its noisy count passed a threshold; the others are counted in their category's row (\"category: …\"), so totals include them." } ?? (spec.keys.values.contains(.private) ? " Groups are listed only when their noisy count passed a threshold, so totals leave out the smallest groups." : ""))")))
        }
        if let latest = history.last?.results[output.id], let disclosure = BoundingDisclosure(latest) {
            html.append(.el("p", .text("In the latest release: " + disclosure.sentence())))
        }
        html.append(TimeSeriesChart(id: id + "-total", title: "\(output.title ?? output.id): all groups, per release", points: totals, counts: true).node)
        html.append(hourProfile(output, spec: spec, history: history, id: id))
        if let facet {
            let column = spec.groupBy[facet].column
            let size = byFacet.mapValues { $0.values.reduce(0) { $0 + $1.sum } }
            let ranked = byFacet.keys.sorted { a, b in size[a] != size[b] ? size[a] ?? 0 > size[b] ?? 0 : a < b }
            let shown = ranked.prefix(smallMultiples).sorted()
            html.append(.el("p", .text("By \(column)\(ranked.count > shown.count ? " (the \(shown.count) largest of \(ranked.count))" : ""):")))
            let charts = shown.enumerated().map { number, group -> HTMLNode in
                let points = history.indices.map { index -> ChartPoint in
                    guard let entry = byFacet[group]?[index] else { return ChartPoint(label: history[index].release.window, value: nil) }
                    let spread = summedMargin(deviation: entry.deviation, cells: entry.cells)
                    return ChartPoint(label: history[index].release.window, value: entry.sum, low: entry.sum - spread, high: entry.sum + spread)
                }
                return TimeSeriesChart(id: "\(id)-\(number)", title: "\(column) \(group)", points: points, small: true, counts: true).node
            }
            html.append(.el("div", ["class": "multiples"], children: charts))
        }
        return .fragment(html)
    }

    /// For an output grouped by hour: the latest release's counts by hour of the day (its groups
    /// summed per hour), each with the 95% margin of its summed noise; hours, not days, along the axis.
    static func hourProfile(_ output: OutputSpec, spec: AggregateSpec, history: [DatasetHistory.Release], id: String) -> HTMLNode {
        // `2018-05-18T14` (or a range's hours): the hour of the day is what follows the T.
        guard let hourIndex = spec.groupBy.firstIndex(where: { $0.level == "hour" }),
              let (release, byHour) = latestCountSums(output.id, history: history, by: { key in
                  hourIndex < key.count ? key[hourIndex].split(separator: "T").last.map(String.init) ?? key[hourIndex] : nil
              }), !byHour.isEmpty else { return .fragment([]) }
        let points = byHour.keys.sorted().map { hour -> ChartPoint in
            let entry = byHour[hour] ?? (0, 0)
            return ChartPoint(label: "\(hour):00", value: entry.value, low: entry.value - entry.margin, high: entry.value + entry.margin)
        }
        return TimeSeriesChart(id: id + "-hours", title: "\(output.title ?? output.id): by hour of the day, release \(release.release.release)",
                               points: points, counts: true, axis: "hours of the day").node
    }

    /// A record-level output's size and generalisation per release.
    static func recordSection(_ output: OutputSpec, spec: MicrodataSpec, history: [DatasetHistory.Release]) -> HTMLNode {
        // Columns with a hierarchy have levels; sensitive and pseudonymised ones are published as they are or removed.
        let columns = spec.columns.filter { column in history.contains { $0.records[output.id]?.levels[column] != nil } }
        let rows = history.suffix(60).reversed().compactMap { release -> HTMLNode? in
            guard let records = release.records[output.id] else { return nil }
            return .row(release.release.release, ["\(records.count)"] + columns.map { column in records.levels[column].map(String.init) ?? "" })
        }
        return .fragment([
            .el("h3", ["id": "\(output.id)-records"], .text(output.title ?? output.id)),
            .el("p", .text("How coarsely each release published \(columns.joined(separator: ", ")): 0 is the value as recorded, higher is coarser, the highest removes the value.")),
            .el("table", .el("caption", .text("Records and generalisation level of each column, per release")),
                .columnHeadings(["Release", "Records"] + columns), .el("tbody", children: rows)),
        ])
    }

    /// A disparity output: the latest comparison, the comparison pooled over every release so far
    /// (`pooled`, the noisy counts of every release added up), each group's rate over the releases
    /// drawn, and the method.
    static func equitySection(_ output: OutputSpec, disparity: DisparitySpec, history: [DatasetHistory.Release],
                              pooled: EquityTotals?) -> HTMLNode {
        let id = "\(output.id)-equity"
        var html: [HTMLNode] = [.el("h3", ["id": id], .text(output.title ?? output.id))]
        // The releases drawn that published the output: their stored rates, or their results (the latest's are loaded).
        let drawn = history.filter { $0.ratePeriods[output.id] != nil || $0.results[output.id] != nil }
        guard let latestRelease = history.last(where: { $0.results[output.id] != nil }), let latest = latestRelease.results[output.id] else {
            return .fragment(html + [.el("p", .text("Not published yet."))])
        }
        html += [.el("p", .text(disparity.explanation)), .el("h4", .text("Latest release (\(latestRelease.release.window))")),
                 DisparityTable.charts(latest, disparity: disparity, id: id + "-latest", limit: 1)]
        // Pooled: the noisy counts of every release added up (post-processing), with as many noise draws;
        // without stored totals, those of the releases drawn.
        let pooled = pooled ?? history.reduce(into: EquityTotals()) { totals, release in
            if let result = release.results[output.id] { totals.add(EquityTotals(result, window: release.release.window)) }
        }
        if pooled.releases > 1 {
            let combined = DisparityTable.comparison(label: nil, groups: pooled.groups, counts: pooled.counts,
                                                     scale: DisparityTable.scale(latest),
                                                     noiseTerms: max(pooled.periods / pooled.releases, 1) * pooled.releases,
                                                     disparity: disparity)
            html += [.el("h4", .text("All \(pooled.releases) releases together")),
                     .el("p", .text("The noisy counts of every release added up: the noise adds up more slowly than the records, so the pooled intervals are narrower. This costs no privacy; it uses only published numbers."))]
            html.append(DisparityTable.chart(combined, disparity: disparity, id: id + "-pooled",
                                             title: "Share where \(disparity.outcome.phrase), by \(disparity.group), \(pooled.firstWindow ?? "") to \(pooled.lastWindow ?? latestRelease.release.window)"))
        }
        if drawn.count > 1 {
            let groups = pooled.groups
            html.append(.el("h4", .text("Each group's rate over releases")))
            // Each release's comparison once (a bootstrap each, stored when first drawn), shared by every group's chart.
            let latestPeriods = drawn.map { release in
                release.ratePeriods[output.id] ?? release.results[output.id].flatMap { DisparityTable.periods($0, disparity: disparity, ratesOnly: true).last }
            }
            let charts = groups.enumerated().map { number, group -> HTMLNode in
                let points = zip(drawn, latestPeriods).map { release, period -> ChartPoint in
                    guard let period, let index = period.groups.firstIndex(of: group), period.release.noisy[index].denominator >= 1 else {
                        return ChartPoint(label: release.release.window, value: nil)
                    }
                    let rate = period.release.rates[index]
                    return ChartPoint(label: release.release.window, value: rate.estimate, low: rate.low, high: rate.high)
                }
                return TimeSeriesChart(id: "\(id)-\(number)", title: "\(disparity.group) \(group)", points: points, domain: 0...1,
                                       format: { String(format: "%.0f%%", $0 * 100) }, small: true).node
            }
            html.append(.el("div", ["class": "multiples"], children: charts))
        }
        return .fragment(html)
    }

    /// The 95% margin of a sum of `cells` independent noisy counts whose noise has standard
    /// deviation `deviation` (normal approximation: 1.96 standard deviations of the sum).
    static func summedMargin(deviation: Double, cells: Int) -> Double {
        1.96 * deviation * Double(cells).squareRoot()
    }

    /// The page around `body`, with the one inline style sheet.
    static func wrap(title: String, body: [HTMLNode]) -> String {
        HTMLNode.document(title: "\(title): dashboard", style: style, body: body + [.newline]).render()
    }

    /// The dashboard's inline style sheet (constant markup).
    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;max-width:64rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.5}
        h1,h2,h3,h4{color:#0b3d63}a{color:#0b5394}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #767676;padding:.2rem .5rem;text-align:left}
        caption{text-align:left;font-weight:600}svg{max-width:100%;height:auto}figure{margin:.5rem 0}
        .multiples{display:flex;flex-wrap:wrap;gap:.5rem}.multiples figure{flex:0 1 19rem}.map svg{max-width:36rem}
        summary{cursor:pointer;color:#0b5394}
        @media print{body{max-width:none}section{break-inside:avoid}details{display:block}}
        """
}
