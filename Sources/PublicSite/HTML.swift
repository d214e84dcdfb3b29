/// Text made safe for the HTML pages the publisher writes (index, dashboard, privacy reports).
/// Pages are built as ``HTMLNode`` trees, whose rendering passes every text and attribute value
/// through ``escape(_:)``.
enum HTML {
    /// `text` with `&`, `<`, `>` and `"` replaced by their entities, safe in element content and
    /// double-quoted attribute values.
    static func escape(_ text: String) -> String {
        // Most text has none of the four characters: it is returned as it is, without four searches.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") })
        else { return text }
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// HTML elements that have no end tag and no content (``HTMLNode`` writes `<meta ...>`; any
    /// children given to one are not written).
    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]

    /// SVG shapes that ``HTMLNode`` writes self-closed (`<rect .../>`) when they have no children
    /// (a `<title>` inside one is a child).
    static let svgShapes: Set<String> = ["circle", "ellipse", "line", "path", "polygon", "polyline", "rect"]

    /// The namespace every inline `<svg>` declares.
    static let svgNamespace = "http://www.w3.org/2000/svg"
}
