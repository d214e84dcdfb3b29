import Foundation

/// An accessible inline SVG of estimates with 95% intervals (a dot and a line per row), with the
/// same numbers as an HTML table: the privacy report and the dashboard draw rates and their
/// intervals with it. Nothing is fetched and no script runs; the SVG has a title and a
/// description, and the table is the text alternative.
struct IntervalChart {
    var id: String
    var title: String
    var rows: [ChartPoint]
    /// The axis range; rates use 0...1.
    var domain: ClosedRange<Double> = 0...1
    /// A vertical dashed line (the reference rate, or parity at 0), with its label.
    var marker: (value: Double, label: String)?
    /// Formats axis and table numbers (rates as percentages by default).
    var format: (Double) -> String = { String(format: "%.1f%%", $0 * 100) }
    /// The heading of the table's note column, if any row has a note.
    var noteHeading = "Finding"

    /// The SVG figure followed by its table.
    var html: String {
        let labelWidth = 220, plotWidth = 440, rowHeight = 24
        let height = rows.count * rowHeight + 40
        let span = max(domain.upperBound - domain.lowerBound, 1e-9)
        func x(_ value: Double) -> Int {
            labelWidth + Int(Double(plotWidth) * (min(max(value, domain.lowerBound), domain.upperBound) - domain.lowerBound) / span)
        }
        let e = HTML.escape
        var svg = "<figure><svg role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(labelWidth + plotWidth + 30) \(height)\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<title id=\"\(e(id))-title\">\(e(title))</title>"
        svg += "<desc id=\"\(e(id))-desc\">A dot per row for the estimate and a line for its 95% interval, on an axis from \(e(format(domain.lowerBound))) to \(e(format(domain.upperBound))); the same numbers are in the table below.</desc>"
        // Axis with five ticks.
        let axisY = rows.count * rowHeight + 12
        svg += "<line x1=\"\(labelWidth)\" x2=\"\(labelWidth + plotWidth)\" y1=\"\(axisY)\" y2=\"\(axisY)\" stroke=\"#595959\"/>"
        for tick in 0...4 {
            let value = domain.lowerBound + span * Double(tick) / 4
            svg += "<line x1=\"\(x(value))\" x2=\"\(x(value))\" y1=\"\(axisY)\" y2=\"\(axisY + 4)\" stroke=\"#595959\"/>"
            svg += "<text x=\"\(x(value))\" y=\"\(axisY + 16)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1a1a1a\">\(e(format(value)))</text>"
        }
        if let marker {
            svg += "<line x1=\"\(x(marker.value))\" x2=\"\(x(marker.value))\" y1=\"4\" y2=\"\(axisY)\" stroke=\"#6b3fa0\" stroke-dasharray=\"4 3\"><title>\(e(marker.label))</title></line>"
        }
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight + 16
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">\(e(row.label))</text>"
            guard let estimate = row.value else {
                svg += "<text x=\"\(labelWidth + 4)\" y=\"\(y + 4)\" font-size=\"11\" fill=\"#595959\">no data</text>"
                continue
            }
            if let low = row.low, let high = row.high {
                svg += "<line x1=\"\(x(low))\" x2=\"\(x(high))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#1f5f8b\" stroke-width=\"3\"/>"
            }
            svg += "<circle cx=\"\(x(estimate))\" cy=\"\(y)\" r=\"5\" fill=\"#0b3d63\"><title>\(e(row.label)): \(e(format(estimate)))\(row.low.map { " (95% interval \(e(format($0)))" } ?? "")\(row.high.map { " to \(e(format($0))))" } ?? "")</title></circle>"
        }
        svg += "</svg><figcaption>\(e(title)): dots are estimates, lines their 95% intervals\(marker.map { "; the dashed line is \(e($0.label))" } ?? "").</figcaption></figure>\n"
        let notes = rows.contains { !$0.note.isEmpty }
        let sizes = rows.contains { $0.size != nil }
        var table = "<table><caption>\(e(title))</caption><thead><tr><th scope=\"col\">Group</th>\(sizes ? "<th scope=\"col\">Records (noisy)</th>" : "")<th scope=\"col\">Estimate</th><th scope=\"col\">95% interval</th>\(notes ? "<th scope=\"col\">\(e(noteHeading))</th>" : "")</tr></thead><tbody>"
        for row in rows {
            let interval = row.low.flatMap { low in row.high.map { "\(format(low)) to \(format($0))" } } ?? ""
            table += "<tr><th scope=\"row\">\(e(row.label))</th>\(sizes ? "<td>\(row.size.map(String.init) ?? "")</td>" : "")<td>\(row.value.map(format) ?? "no data")</td><td>\(e(interval))</td>\(notes ? "<td>\(e(row.note))</td>" : "")</tr>"
        }
        return svg + table + "</tbody></table>\n"
    }
}
