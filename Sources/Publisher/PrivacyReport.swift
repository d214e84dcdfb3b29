import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import ReleaseFormat
import Tabular

/// `privacy-report.json` and `privacy-report.html` of a release: what was
/// done to the data and what it guarantees, for residents, journalists and auditors.
///
/// The HTML is self-contained: semantic markup, inline CSS and inline SVG
/// charts (each with a text alternative and the same numbers in a table); no
/// script, font or file is fetched from anywhere.
public struct PrivacyReport {
    public struct Microdata: Sendable {
        public var output: String
        public var k: Int
        public var lDiversity: String?
        public var records: Int
        public var suppressed: Int
        public var levels: [String: Int]
        public var loss: Double
        public var highestRisk: Double
        public var averageRisk: Double
    }

    public struct Aggregate: Sendable {
        public var output: String
        public var title: String
        public var result: AggregateResult
        public var table: Table
    }

    public var policy: Policy
    public var release: String
    public var window: ReleaseWindow
    public var microdata: [Microdata]
    public var aggregates: [Aggregate]
    public var rollingSpent: Double
    public var retention: RetentionRun.Outcome?

    /// Canonical JSON.
    public func json() throws(PublisherError) -> Data {
        let treatments = Dictionary(grouping: policy.columns, by: { $0.treatment.keyword }).mapValues { $0.map(\.name) }
        let object: [String: Any] = [
            "dataset": policy.dataset.id, "release": release,
            "window": ["label": window.label, "start": ISO8601DateFormatter().string(from: window.start),
                       "end": ISO8601DateFormatter().string(from: window.end)],
            "policy_explained": PolicyExplainer.explain(policy),
            "columns": treatments,
            "microdata": microdata.map { item -> [String: Any] in
                ["output": item.output, "k": item.k, "l_diversity": item.lDiversity.map { $0 as Any } ?? NSNull(), "records": item.records,
                 "suppressed": item.suppressed, "generalization_levels": item.levels, "information_loss": item.loss.isFinite ? item.loss as Any : NSNull(),
                 "highest_prosecutor_risk": item.highestRisk, "average_prosecutor_risk": item.averageRisk]
            },
            "aggregates": aggregates.map { item -> [String: Any] in
                ["output": item.output, "epsilon": item.result.epsilon, "delta": item.result.delta.map { $0 as Any } ?? NSNull(),
                 "rho": item.result.rho.map { $0 as Any } ?? NSNull(), "groups": item.table.rowCount,
                 "partition_threshold": item.result.threshold.map { $0 as Any } ?? NSNull(),
                 "statistics": item.result.noise.map { noise -> [String: Any] in
                     var distribution: [String: Any] = [:]
                     switch noise.distribution {
                     case let .discreteLaplace(scale): distribution = ["mechanism": "discrete Laplace", "scale": scale]
                     case let .discreteGaussian(sigmaSquared): distribution = ["mechanism": "discrete Gaussian", "sigma_squared": sigmaSquared]
                     }
                     return ["statistic": noise.statistic, "share": noise.share, "noise": distribution,
                             "margin_of_error_95": noise.margin, "post_processing": noise.postProcessing]
                 }]
            },
            "budget": ["release_epsilon": aggregates.reduce(0) { $0 + $1.result.epsilon },
                       "per_release_cap": policy.budget.perReleaseEpsilon,
                       "rolling_365_day_spent": rollingSpent,
                       "rolling_365_day_cap": policy.budget.rolling365DayEpsilon.map { $0 as Any } ?? NSNull()] as [String: Any],
            "retention": retention.map { ["rule": $0.rule, "deleted": $0.result.deleted, "held": $0.result.held] as Any } ?? NSNull(),
        ]
        do {
            return try CanonicalJSON.encode(object)
        } catch {
            throw .io(path: "privacy-report.json", reason: error.description)
        }
    }

    /// The HTML page.
    public func html() -> String {
        var body = ""
        body += "<header><h1>\(escape(policy.dataset.title))</h1><p>Release <strong>\(escape(release))</strong>, covering \(escape(window.label)) (\(escape(policy.source.timezone)) calendar days). Published by \(escape(policy.dataset.publisher)) under \(escape(policy.dataset.license)).</p></header>\n"
        body += "<main>\n<section aria-labelledby=\"how\"><h2 id=\"how\">How this data was protected</h2>\n"
        for paragraph in PolicyExplainer.explain(policy) { body += "<p>\(escape(paragraph))</p>\n" }
        body += "</section>\n"
        if !microdata.isEmpty {
            body += "<section aria-labelledby=\"records\"><h2 id=\"records\">Record-level files</h2>\n<table><caption>Protection achieved in each record-level file</caption><thead><tr><th scope=\"col\">File</th><th scope=\"col\">Records published</th><th scope=\"col\">Records withheld</th><th scope=\"col\">Each record matches at least</th><th scope=\"col\">Highest re-identification risk</th><th scope=\"col\">Average risk</th></tr></thead><tbody>\n"
            for item in microdata {
                body += "<tr><th scope=\"row\">\(escape(item.output))</th><td>\(item.records)</td><td>\(item.suppressed)</td><td>\(item.k - 1) others\(item.lDiversity.map { "; \(escape($0))" } ?? "")</td><td>\(String(format: "%.1f%%", item.highestRisk * 100))</td><td>\(String(format: "%.2f%%", item.averageRisk * 100))</td></tr>\n"
            }
            body += "</tbody></table></section>\n"
        }
        for item in aggregates {
            body += "<section aria-labelledby=\"\(escape(item.output))\"><h2 id=\"\(escape(item.output))\">\(escape(item.title))</h2>\n"
            body += "<p>Differential privacy: ε = \(format(item.result.epsilon))\(item.result.delta.map { ", δ = \($0)" } ?? ""). "
            for noise in item.result.noise {
                body += "\(escape(noise.statistic)): ±\(format(noise.margin)) at 95% (\(escape(noise.postProcessing))). "
            }
            body += "</p>\n" + chart(item) + "</section>\n"
        }
        let spent = aggregates.reduce(0) { $0 + $1.result.epsilon }
        body += "<section aria-labelledby=\"budget\"><h2 id=\"budget\">Privacy budget</h2><p>This release used ε = \(format(spent)) of the \(format(policy.budget.perReleaseEpsilon)) allowed per release."
        if let cap = policy.budget.rolling365DayEpsilon {
            body += " Over the busiest 365 days containing it, ε = \(format(rollingSpent)) of \(format(cap)) has been used; the publisher refuses any release that would exceed it."
        }
        body += "</p></section>\n"
        if let retention {
            body += "<section aria-labelledby=\"retention\"><h2 id=\"retention\">Retention</h2><p>\(escape(retention.rule)): \(retention.result.deleted) records deleted, \(retention.result.held) kept under hold.</p></section>\n"
        }
        body += "</main>\n<footer><p>Verify this release: <code>minisign -Vm manifest.json -p release.pub</code> or <code>opendata verify . --key release.pub</code>.</p></footer>\n"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Privacy report: \(escape(policy.dataset.title)), \(escape(release))</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.5}
            h1,h2{color:#0b3d63}table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left}
            caption{text-align:left;font-weight:600}svg{max-width:100%;height:auto}code{background:#f0f0f0;padding:0 .2rem}
            @media print{body{max-width:none}section{break-inside:avoid}}
            </style></head>
            <body>
            \(body)</body></html>

            """
    }

    /// An inline SVG bar chart of the first statistic with 95% error bars, plus the same numbers as a table.
    func chart(_ item: Aggregate) -> String {
        guard let statistic = item.result.statistics.first, let column = item.table.column(named: statistic) else { return "" }
        let keyCount = item.table.columnNames.count - 2 * item.result.statistics.count
        let rows = Array(0..<min(item.table.rowCount, 40))
        guard !rows.isEmpty else { return "<p>No groups were published in this release.</p>\n" }
        let margins = item.table.column(named: statistic + "_moe95")
        let values = rows.map { Double(column[$0] ?? "0") ?? 0 }
        let errors = rows.map { Double(margins?[$0] ?? "0") ?? 0 }
        let labels = rows.map { row in (0..<keyCount).compactMap { item.table.columns[$0][row] }.joined(separator: " · ") }
        let top = max(zip(values, errors).map { $0 + $1 }.max() ?? 1, 1)
        let barHeight = 18, gap = 6, labelWidth = 260, plotWidth = 420
        let height = rows.count * (barHeight + gap) + 30
        var svg = "<figure><svg role=\"img\" aria-labelledby=\"\(escape(item.output))-title \(escape(item.output))-desc\" viewBox=\"0 0 \(labelWidth + plotWidth + 60) \(height)\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<title id=\"\(escape(item.output))-title\">\(escape(statistic)) per group, with 95% margins of error</title>"
        svg += "<desc id=\"\(escape(item.output))-desc\">Horizontal bars for \(rows.count) groups; the same values are in the table below.</desc>"
        for (index, value) in values.enumerated() {
            let y = index * (barHeight + gap) + 10
            let width = Int(Double(plotWidth) * max(value, 0) / top)
            let low = Int(Double(plotWidth) * max(value - errors[index], 0) / top)
            let high = Int(Double(plotWidth) * (value + errors[index]) / top)
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 13)\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">\(escape(labels[index]))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(width)\" height=\"\(barHeight)\" fill=\"#1f5f8b\"/>"
            svg += "<line x1=\"\(labelWidth + low)\" x2=\"\(labelWidth + high)\" y1=\"\(y + barHeight / 2)\" y2=\"\(y + barHeight / 2)\" stroke=\"#b3261e\" stroke-width=\"2\"/>"
        }
        svg += "</svg><figcaption>\(escape(statistic)) by \(escape(item.table.columnNames.prefix(keyCount).joined(separator: ", "))); red lines show the 95% margin of error\(item.table.rowCount > rows.count ? " (first \(rows.count) of \(item.table.rowCount) groups)" : "").</figcaption></figure>\n"
        var table = "<table><caption>\(escape(statistic)) with margins of error</caption><thead><tr><th scope=\"col\">Group</th><th scope=\"col\">\(escape(statistic))</th><th scope=\"col\">± 95%</th></tr></thead><tbody>"
        for (index, label) in labels.enumerated() {
            table += "<tr><th scope=\"row\">\(escape(label))</th><td>\(format(values[index]))</td><td>\(format(errors[index]))</td></tr>"
        }
        return svg + table + "</tbody></table>\n"
    }

    func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }
}
