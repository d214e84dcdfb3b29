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
    var node: HTMLNode {
        let labelWidth = 220, plotWidth = 440, rowHeight = 24
        let height = rows.count * rowHeight + 40
        let span = max(domain.upperBound - domain.lowerBound, 1e-9)
        func x(_ value: Double) -> Int {
            labelWidth + Int(Double(plotWidth) * (min(max(value, domain.lowerBound), domain.upperBound) - domain.lowerBound) / span)
        }
        // Axis with five ticks.
        let axisY = rows.count * rowHeight + 12
        var marks: [HTMLNode] = [.el("line", ["x1": "\(labelWidth)", "x2": "\(labelWidth + plotWidth)", "y1": "\(axisY)", "y2": "\(axisY)", "stroke": "#595959"])]
        for tick in 0...4 {
            let value = domain.lowerBound + span * Double(tick) / 4
            marks.append(.el("line", ["x1": "\(x(value))", "x2": "\(x(value))", "y1": "\(axisY)", "y2": "\(axisY + 4)", "stroke": "#595959"]))
            marks.append(.el("text", ["x": "\(x(value))", "y": "\(axisY + 16)", "text-anchor": "middle", "font-size": "11", "fill": "#1a1a1a"],
                             .text(format(value))))
        }
        if let marker {
            marks.append(.el("line", ["x1": "\(x(marker.value))", "x2": "\(x(marker.value))", "y1": "4", "y2": "\(axisY)", "stroke": "#6b3fa0",
                                      "stroke-dasharray": "4 3"],
                             .el("title", .text(marker.label))))
        }
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight + 16
            marks.append(.el("text", ["x": "\(labelWidth - 8)", "y": "\(y + 4)", "text-anchor": "end", "font-size": "12", "fill": "#1a1a1a"],
                             .text(row.label)))
            guard let estimate = row.value else {
                marks.append(.el("text", ["x": "\(labelWidth + 4)", "y": "\(y + 4)", "font-size": "11", "fill": "#595959"], .text("no data")))
                continue
            }
            if let low = row.low, let high = row.high {
                marks.append(.el("line", ["x1": "\(x(low))", "x2": "\(x(high))", "y1": "\(y)", "y2": "\(y)", "stroke": "#1f5f8b", "stroke-width": "3"]))
            }
            let interval = (row.low.map { " (95% interval \(format($0))" } ?? "") + (row.high.map { " to \(format($0)))" } ?? "")
            marks.append(.el("circle", ["cx": "\(x(estimate))", "cy": "\(y)", "r": "5", "fill": "#0b3d63"],
                             .el("title", .text("\(row.label): \(format(estimate))\(interval)"))))
        }
        let svg = HTMLNode.chartSVG(
            id: id, viewBox: "0 0 \(labelWidth + plotWidth + 30) \(height)", title: title,
            description: "A dot per row for the estimate and a line for its 95% interval, on an axis from \(format(domain.lowerBound)) to \(format(domain.upperBound)); the same numbers are in the table below.",
            marks)
        let caption = "\(title): dots are estimates, lines their 95% intervals\(marker.map { "; the dashed line is \($0.label)" } ?? "")."
        let notes = rows.contains { !$0.note.isEmpty }
        let sizes = rows.contains { $0.size != nil }
        let headings = ["Group"] + (sizes ? ["Records (noisy)"] : []) + ["Estimate", "95% interval"] + (notes ? [noteHeading] : [])
        let body = rows.map { row -> HTMLNode in
            let interval = row.low.flatMap { low in row.high.map { "\(format(low)) to \(format($0))" } } ?? ""
            let cells = (sizes ? [row.size.map(String.init) ?? ""] : []) + [row.value.map(format) ?? "no data", interval] + (notes ? [row.note] : [])
            return .row(row.label, cells)
        }
        return .fragment([
            .el("figure", svg, .el("figcaption", .text(caption))), .newline,
            .el("table", .el("caption", .text(title)), .columnHeadings(headings), .el("tbody", children: body)), .newline,
        ])
    }
}
