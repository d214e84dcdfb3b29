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

    var html: String {
        let e = HTML.escape
        let coordinates = map.regions.flatMap { $0.polygons.flatMap { $0.flatMap { $0 } } }
        guard let west = coordinates.map(\.longitude).min(), let east = coordinates.map(\.longitude).max(),
              let south = coordinates.map(\.latitude).min(), let north = coordinates.map(\.latitude).max() else { return "" }
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
        let legendHeight = 40.0
        var svg = "<svg role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(Int(width)) \(Int(height + legendHeight))\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<title id=\"\(e(id))-title\">\(e(title))</title><desc id=\"\(e(id))-desc\">A map of \(map.regions.count) areas shaded from light (fewer) to dark (more); the values are in the table that follows.</desc>"
        for region in map.regions {
            let path = region.polygons.flatMap { $0 }.map { ring in "M" + ring.map(point).joined(separator: "L") + "Z" }.joined()
            let entry = values[region.name]
            let label = entry.map { "\(region.name): \(number($0.value)) (95% interval \(number(max($0.value - $0.margin, 0))) to \(number($0.value + $0.margin)))" }
                ?? "\(region.name): not published"
            svg += "<path d=\"\(path)\" fill=\"\(entry.map { shade($0.value) } ?? Self.missing)\" fill-rule=\"evenodd\" stroke=\"#1a1a1a\" stroke-width=\"1\"><title>\(e(label))</title></path>"
        }
        // Legend: the five steps with their ranges.
        let step = top / Double(Self.palette.count)
        for (index, colour) in Self.palette.enumerated() {
            let x = Double(index) * 110
            svg += "<rect x=\"\(Int(x))\" y=\"\(Int(height + 8))\" width=\"18\" height=\"14\" fill=\"\(colour)\" stroke=\"#1a1a1a\"/>"
            svg += "<text x=\"\(Int(x + 22))\" y=\"\(Int(height + 20))\" font-size=\"11\" fill=\"#1a1a1a\">\(e(number(step * Double(index))))–\(e(number(step * Double(index + 1))))</text>"
        }
        svg += "</svg>"
        var table = "<details><summary>Table: \(e(title))</summary><table><caption>\(e(title))</caption><thead><tr><th scope=\"col\">\(e(map.column))</th><th scope=\"col\">Value</th><th scope=\"col\">95% interval</th></tr></thead><tbody>"
        for region in map.regions {
            let entry = values[region.name]
            table += "<tr><th scope=\"row\">\(e(region.name))</th><td>\(entry.map { number($0.value) } ?? "not published")</td><td>\(entry.map { "\(number(max($0.value - $0.margin, 0))) to \(number($0.value + $0.margin))" } ?? "")</td></tr>"
        }
        table += "</tbody></table></details>"
        return "<figure class=\"map\">\(svg)<figcaption>\(e(title)); darker areas had more. Areas in grey were not published.</figcaption>\(table)</figure>\n"
    }
}
