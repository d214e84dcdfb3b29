/// A piece of an HTML page or of an inline SVG chart, built as a tree and written out by
/// ``render()``: the index, the dashboards, the privacy reports and their charts are all made of
/// these.
///
/// **Guarantee:** the text of a ``text(_:)`` node and every attribute value are escaped with
/// ``HTML/escape(_:)`` when the node is rendered, so a value from a policy or from the data can
/// never open a tag, close one or end an attribute, whoever builds the page. ``raw(_:)`` is
/// written exactly as given and is only for constant markup written in this module's source
/// (the doctype, the inline style sheets, fixed text that must keep characters such as `"`
/// unescaped); never pass it a value from a policy or the data.
///
/// How elements are written:
/// - attributes in the order given, as `name="value"`;
/// - an HTML void element (``HTML/voidElements``, such as `meta`) as `<meta ...>`, with no end tag;
/// - an SVG shape (``HTML/svgShapes``, such as `rect`) without children as `<rect .../>`;
/// - anything else as `<name ...>children</name>`.
enum HTMLNode {
    /// An element with its attributes (in this order) and its children.
    case element(String, attributes: [(String, String)], children: [HTMLNode])
    /// Text, escaped when rendered.
    case text(String)
    /// Constant markup, written as it is (see the type's guarantee).
    case raw(String)
    /// Several nodes one after the other, with nothing around them.
    case fragment([HTMLNode])

    /// A line break between elements, as the pages have always had.
    static let newline = HTMLNode.text("\n")

    /// An element without attributes, its children given one by one: `.el("h1", .text(title))`.
    static func el(_ name: String, _ children: HTMLNode...) -> HTMLNode {
        .element(name, attributes: [], children: children)
    }

    /// An element with attributes (kept in the order written) and children given one by one:
    /// `.el("p", ["class": "warning"], .text(sentence))`.
    static func el(_ name: String, _ attributes: KeyValuePairs<String, String>, _ children: HTMLNode...) -> HTMLNode {
        .element(name, attributes: attributes.map { ($0.key, $0.value) }, children: children)
    }

    /// An element without attributes, its children built as a list.
    static func el(_ name: String, children: [HTMLNode]) -> HTMLNode {
        .element(name, attributes: [], children: children)
    }

    /// An element with attributes (kept in the order written), its children built as a list.
    static func el(_ name: String, _ attributes: KeyValuePairs<String, String>, children: [HTMLNode]) -> HTMLNode {
        .element(name, attributes: attributes.map { ($0.key, $0.value) }, children: children)
    }

    /// `<section aria-labelledby="id"><h2 id="id">heading</h2>…</section>`: a section named by its heading.
    static func section(id: String, heading: String, _ children: [HTMLNode]) -> HTMLNode {
        .el("section", ["aria-labelledby": id], children: [.el("h2", ["id": id], .text(heading))] + children)
    }

    /// `<thead>` with one row of column headings (`<th scope="col">`).
    static func columnHeadings(_ headings: [String]) -> HTMLNode {
        .el("thead", .el("tr", children: headings.map { .el("th", ["scope": "col"], .text($0)) }))
    }

    /// A table row: its heading cell (`<th scope="row">`), then one `<td>` per value.
    static func row(_ heading: String, _ cells: [String]) -> HTMLNode {
        .el("tr", children: [.el("th", ["scope": "row"], .text(heading))] + cells.map { .el("td", .text($0)) })
    }

    /// `<svg role="img" aria-labelledby="id-title id-desc" viewBox="…">` with its `<title>` and
    /// `<desc>` first, then `marks`: an accessible chart.
    static func chartSVG(id: String, viewBox: String, title: String, description: String, _ marks: [HTMLNode]) -> HTMLNode {
        .el("svg", ["role": "img", "aria-labelledby": "\(id)-title \(id)-desc", "viewBox": viewBox, "xmlns": HTML.svgNamespace],
            children: [.el("title", ["id": "\(id)-title"], .text(title)), .el("desc", ["id": "\(id)-desc"], .text(description))] + marks)
    }

    /// A whole page: the doctype, a head with the character set, the viewport, `title` and the
    /// style sheet `style`, then `body`. `style` is written as it is: pass only a constant.
    static func document(title: String, style: String, body: [HTMLNode]) -> HTMLNode {
        let head: [HTMLNode] = [
            .el("meta", ["charset": "utf-8"]),
            .el("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"]),
            .newline, .el("title", .text(title)), .newline,
            .el("style", .raw("\n" + style + "\n")),
        ]
        let page: [HTMLNode] = [.el("head", children: head), .newline, .el("body", children: [.newline] + body)]
        return .fragment([.raw("<!DOCTYPE html>\n"), .el("html", ["lang": "en"], children: page), .newline])
    }

    /// The markup: text and attribute values escaped (``HTML/escape(_:)``), raw markup as it is.
    func render() -> String {
        var markup = ""
        render(into: &markup)
        return markup
    }

    /// Appends the markup of this node to `markup`.
    func render(into markup: inout String) {
        switch self {
        case let .text(text):
            markup += HTML.escape(text)
        case let .raw(constant):
            markup += constant
        case let .fragment(nodes):
            for node in nodes { node.render(into: &markup) }
        case let .element(name, attributes, children):
            markup += "<" + name
            for (attribute, value) in attributes { markup += " " + attribute + "=\"" + HTML.escape(value) + "\"" }
            if HTML.voidElements.contains(name) {
                markup += ">"
            } else if children.isEmpty && HTML.svgShapes.contains(name) {
                markup += "/>"
            } else {
                markup += ">"
                for child in children { child.render(into: &markup) }
                markup += "</" + name + ">"
            }
        }
    }
}
