/// A release window's label: a day (`2026-11-22`) or a range of days (`2026-11-01..2026-11-07`).
public enum WindowLabel {
    /// The first and last day of a window label: the text before its first `..` and after its last
    /// (splitting left to right, as `components(separatedBy: "..")` would); the label itself twice
    /// when it holds no `..`. A byte scan, without Foundation: it runs for every release in the
    /// history each night, in sorts.
    public static func days(of label: String) -> (first: String, last: String) {
        let bytes = label.utf8
        let dot = UInt8(ascii: ".")
        var firstEnd: String.Index?
        var lastStart: String.Index?
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let next = bytes.index(after: index)
            if bytes[index] == dot, next != bytes.endIndex, bytes[next] == dot {
                if firstEnd == nil { firstEnd = index }
                index = bytes.index(after: next)
                lastStart = index
            } else {
                index = next
            }
        }
        guard let firstEnd, let lastStart else { return (label, label) }
        return (String(label[..<firstEnd]), String(label[lastStart...]))
    }
}
