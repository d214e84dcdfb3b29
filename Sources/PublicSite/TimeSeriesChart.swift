import Foundation

/// An accessible inline SVG of one value per release over time, with its 95% interval as a
/// shaded band, and a table alternative in a `<details>` element. Points are evenly spaced by
/// release (one per published window, in order); a missing value leaves a gap in the line.
/// Nothing is fetched and no script runs.
struct TimeSeriesChart {
    var id: String
    var title: String
    var points: [ChartPoint]
    /// Fixed axis range (rates use 0...1); nil fits the intervals, from 0.
    var domain: ClosedRange<Double>?
    var format: (Double) -> String = OutputColumns.format
    /// Small multiples are drawn narrower, with fewer labels.
    var small = false
    /// Counts: the axis starts at zero and bands are cut there (a count cannot be negative; the
    /// noisy value below zero is in the table), and the caption says so.
    var counts = false
    /// What the points are, for the description ("releases" along time, or "hours of the day").
    var axis = "releases"

    /// The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `value` (0 for 0):
    /// axis ends people can read.
    static func nice(_ value: Double) -> Double {
        guard value > 0 else { return 0 }
        let power = pow(10, (log10(value)).rounded(.down))
        return [1, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= value * (1 - 1e-12) } ?? 10 * power
    }

    /// The figure: the SVG, its caption, and the table alternative.
    var node: HTMLNode {
        let width = small ? 300 : 640, height = small ? 150 : 220
        let left = small ? 44 : 60, right = 12, top = 12, bottom = 30
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let highs = points.compactMap { $0.high ?? $0.value }
        let lows = points.compactMap { $0.low ?? $0.value }
        let floor = counts ? 0 : -Self.nice(-min(0, lows.min() ?? 0))
        let range = domain ?? (floor...Self.nice(max(highs.max() ?? 1, 1e-9)))
        let clipped = counts && lows.contains { $0 < 0 }
        let span = max(range.upperBound - range.lowerBound, 1e-9)
        func x(_ index: Int) -> Double {
            points.count <= 1 ? Double(left + plotWidth / 2) : Double(left) + Double(plotWidth) * Double(index) / Double(points.count - 1)
        }
        func y(_ value: Double) -> Double {
            Double(top) + Double(plotHeight) * (1 - (min(max(value, range.lowerBound), range.upperBound) - range.lowerBound) / span)
        }
        func n(_ value: Double) -> String { String(format: "%.1f", value) }
        let first = points.first?.label ?? "", last = points.last?.label ?? ""
        // Axes: three y ticks, first and last x labels.
        var marks: [HTMLNode] = [
            .el("line", ["x1": "\(left)", "x2": "\(left)", "y1": "\(top)", "y2": "\(top + plotHeight)", "stroke": "#595959"]),
            .el("line", ["x1": "\(left)", "x2": "\(left + plotWidth)", "y1": "\(top + plotHeight)", "y2": "\(top + plotHeight)", "stroke": "#595959"]),
        ]
        for tick in 0...2 {
            let value = range.lowerBound + span * Double(tick) / 2
            marks.append(.el("text", ["x": "\(left - 4)", "y": n(y(value) + 4), "text-anchor": "end", "font-size": "11", "fill": "#1a1a1a"],
                             .text(format(value))))
            marks.append(.el("line", ["x1": "\(left)", "x2": "\(left + plotWidth)", "y1": n(y(value)), "y2": n(y(value)), "stroke": "#d9d9d9"]))
        }
        marks.append(.el("text", ["x": "\(left)", "y": "\(height - 8)", "font-size": "11", "fill": "#1a1a1a"], .text(first)))
        if points.count > 1 {
            marks.append(.el("text", ["x": "\(left + plotWidth)", "y": "\(height - 8)", "text-anchor": "end", "font-size": "11", "fill": "#1a1a1a"],
                             .text(last)))
        }
        // The band and the line, split at missing values.
        var runs: [[Int]] = [[]]
        for (index, point) in points.enumerated() {
            if point.value == nil { runs.append([]) } else { runs[runs.count - 1].append(index) }
        }
        for run in runs where !run.isEmpty {
            let upper = run.map { "\(n(x($0))),\(n(y(points[$0].high ?? points[$0].value ?? 0)))" }
            let lower = run.reversed().map { "\(n(x($0))),\(n(y(points[$0].low ?? points[$0].value ?? 0)))" }
            if run.count > 1 {
                let line = run.map { "\(n(x($0))),\(n(y(points[$0].value ?? 0)))" }
                marks.append(.el("polygon", ["points": (upper + lower).joined(separator: " "), "fill": "#9ecae1", "fill-opacity": "0.6"]))
                marks.append(.el("polyline", ["points": line.joined(separator: " "), "fill": "none", "stroke": "#0b3d63", "stroke-width": "2"]))
            } else if let index = run.first {
                marks.append(.el("line", ["x1": n(x(index)), "x2": n(x(index)), "y1": n(y(points[index].low ?? 0)), "y2": n(y(points[index].high ?? 0)),
                                          "stroke": "#6baed6", "stroke-width": "4"]))
                marks.append(.el("circle", ["cx": n(x(index)), "cy": n(y(points[index].value ?? 0)), "r": "3.5", "fill": "#0b3d63"]))
            }
        }
        let svg = HTMLNode.chartSVG(
            id: id, viewBox: "0 0 \(width) \(height)", title: title,
            description: "\(points.count) \(axis) from \(first) to \(last); the line is the published value and the band its 95% interval. The values are in the table that follows.",
            marks)
        let rows = points.map { point -> HTMLNode in
            let interval = point.low.flatMap { low in point.high.map { "\(format(low)) to \(format($0))" } } ?? ""
            return .row(point.label, [point.value.map(format) ?? "not published", interval])
        }
        let table = HTMLNode.el("details", .el("summary", .text("Table: \(title)")),
                                .el("table", .el("caption", .text(title)), .columnHeadings([axis == "releases" ? "Release" : "Hour", "Value", "95% interval"]),
                                    .el("tbody", children: rows)))
        let note = clipped ? " (the axis starts at zero; parts of the 95% bands below zero are cut, since a count cannot be negative)" : ""
        return .fragment([.el("figure", ["class": small ? "small" : "chart"], svg, .el("figcaption", .text(title + note)), table), .newline])
    }
}
