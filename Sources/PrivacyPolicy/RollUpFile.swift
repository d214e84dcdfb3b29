import Foundation

/// Reads a roll-up hierarchy file (``RollUpSpec``): `;`-separated like every hierarchy file the
/// policy reads (ARX's format), one row per value, the value first and its category second. A
/// row may go on to coarser levels ending at `*`, so a `generalize: {file: …}` hierarchy serves
/// as is; only the first two columns are read. Lines starting with `#` are comments (a header
/// saying where the grouping comes from).
public enum RollUpFile {
    /// One problem, at its line of the file (nil: the file as a whole).
    public struct Problem: Sendable, Equatable {
        public var line: Int?
        public var message: String
    }

    /// What the file at `path` says, or the problems found in it (at most five).
    public static func read(path: String) -> (categoryOf: [String: String], order: [String], problems: [Problem]) {
        guard FileManager.default.fileExists(atPath: path) else {
            return ([:], [], [Problem(line: nil, message: "file not found (paths are relative to the policy's folder)")])
        }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            return ([:], [], [Problem(line: nil, message: "cannot be read as UTF-8 text")])
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var categoryOf: [String: String] = [:]
        var order: [String] = []
        var ordered: Set<String> = []
        var problems: [Problem] = []
        var width: Int?
        for (index, raw) in HierarchyFileCheck.lines(of: text).enumerated() where !raw.isEmpty && !raw.hasPrefix("#") {
            let line = index + 1
            let cells = raw.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            if cells.count < 2 {
                problems.append(Problem(line: line, message: "'\(raw)' has no category; write value;category"))
            } else if let width, cells.count != width {
                problems.append(Problem(line: line, message: "has \(cells.count) columns, the first row has \(width); every row needs the same number"))
            } else if cells.count > 2, cells.last != "*" {
                problems.append(Problem(line: line, message: "has \(cells.count) columns and ends with '\(cells.last ?? "")'; a row is value;category, or an ARX hierarchy row ending at '*'"))
            } else if cells[1].trimmingCharacters(in: .whitespaces).isEmpty || cells[1] == "*" {
                problems.append(Problem(line: line, message: "'\(cells[0])' has an empty category ('\(cells[1])'); name the category its records are counted under"))
            } else if let earlier = categoryOf[cells[0]] {
                problems.append(Problem(line: line, message: "repeats the value '\(cells[0])' (already in \(earlier)); list each value once"))
            } else {
                width = width ?? cells.count
                categoryOf[cells[0]] = cells[1]
                if ordered.insert(cells[1]).inserted { order.append(cells[1]) }
            }
            if problems.count >= 5 { break }
        }
        if problems.isEmpty && categoryOf.isEmpty {
            problems.append(Problem(line: nil, message: "lists no value; write one value;category row per value"))
        }
        return (categoryOf, order, problems)
    }
}
