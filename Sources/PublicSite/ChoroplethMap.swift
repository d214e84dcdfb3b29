import Foundation
import PrivacyPolicy

/// An accessible inline SVG choropleth: each region of a boundary file (``MapSpec``) shaded by
/// its published value in five equal steps from 0 to the largest, with a legend, a title per
/// region (name, value and 95% interval) and the same numbers as a table. Longitude is scaled
/// by the cosine of the middle latitude (an equirectangular projection), which keeps a city's
/// shapes true enough. Nothing is fetched and no script runs.
struct ChoroplethMap {
    var id: String
    var title: String
    var map: MapSpec
    /// Published value and 95% margin per region name; a region without one is "not published".
    var values: [String: (value: Double, margin: Double)]

    /// Five blues, light to dark (ColorBrewer "Blues", colour-blind safe), and grey for no value.
    static let palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
    static let missing = "#d9d9d9"

    /// The figure: the SVG map with its legend, its caption, and the table alternative; nothing
    /// when the boundary file has no coordinates.
    var node: HTMLNode {
        let coordinates = map.regions.flatMap { $0.polygons.flatMap { $0.flatMap { $0 } } }
        guard let west = coordinates.map(\.longitude).min(), let east = coordinates.map(\.longitude).max(),
              let south = coordinates.map(\.latitude).min(), let north = coordinates.map(\.latitude).max() else { return .fragment([]) }
        let shrink = cos((south + north) / 2 * .pi / 180)
        let spanX = max((east - west) * shrink, 1e-9), spanY = max(north - south, 1e-9)
        let width = 560.0, height = min(480.0, width * spanY / spanX), scale = min(width / spanX, height / spanY)
        func point(_ c: MapSpec.Coordinate) -> String {
            String(format: "%.1f,%.1f", (c.longitude - west) * shrink * scale, (north - c.latitude) * scale)
        }
        let top = max(values.values.map(\.value).max() ?? 1, 1)
        func shade(_ value: Double) -> String {
            Self.palette[min(Self.palette.count - 1, max(0, Int(value / top * Double(Self.palette.count))))]
        }
        func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value) }
        func interval(_ entry: (value: Double, margin: Double)) -> String {
            "\(number(max(entry.value - entry.margin, 0))) to \(number(entry.value + entry.margin))"
        }
        let legendHeight = 40.0
        var marks: [HTMLNode] = map.regions.map { region in
            let path = region.polygons.flatMap { $0 }.map { ring in "M" + ring.map(point).joined(separator: "L") + "Z" }.joined()
            let entry = values[region.name]
            let label = entry.map { "\(region.name): \(number($0.value)) (95% interval \(interval($0)))" } ?? "\(region.name): not published"
            return .el("path", ["d": path, "fill": entry.map { shade($0.value) } ?? Self.missing, "fill-rule": "evenodd", "stroke": "#1a1a1a", "stroke-width": "1"],
                       .el("title", .text(label)))
        }
        // Legend: the five steps with their ranges.
        let step = top / Double(Self.palette.count)
        for (index, colour) in Self.palette.enumerated() {
            let x = Double(index) * 110
            marks.append(.el("rect", ["x": "\(Int(x))", "y": "\(Int(height + 8))", "width": "18", "height": "14", "fill": colour, "stroke": "#1a1a1a"]))
            marks.append(.el("text", ["x": "\(Int(x + 22))", "y": "\(Int(height + 20))", "font-size": "11", "fill": "#1a1a1a"],
                             .text("\(number(step * Double(index)))–\(number(step * Double(index + 1)))")))
        }
        let svg = HTMLNode.chartSVG(
            id: id, viewBox: "0 0 \(Int(width)) \(Int(height + legendHeight))", title: title,
            description: "A map of \(map.regions.count) areas shaded from light (fewer) to dark (more); the values are in the table that follows.",
            marks)
        let rows = map.regions.map { region -> HTMLNode in
            let entry = values[region.name]
            return .row(region.name, [entry.map { number($0.value) } ?? "not published", entry.map(interval) ?? ""])
        }
        let table = HTMLNode.el("details", .el("summary", .text("Table: \(title)")),
                                .el("table", .el("caption", .text(title)), .columnHeadings([map.column, "Value", "95% interval"]),
                                    .el("tbody", children: rows)))
        let caption = "\(title); darker areas had more. Areas in grey were not published."
        return .fragment([.el("figure", ["class": "map"], svg, .el("figcaption", .text(caption)), table), .newline])
    }
}
