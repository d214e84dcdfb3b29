import Foundation

/// Checks the form of an ARX hierarchy file (DESIGN.md, "Hierarchy builders"):
/// `;`-separated, one row per original value, one column per level, the last
/// column `*`, each level a function of the one before.
///
/// Coverage of the data's values is checked later, against the records
/// themselves, by the `Anonymization` module.
public enum HierarchyFileCheck {
    /// Problems found in the file at `path`, each a sentence naming the line; empty when sound.
    public static func problems(path: String) -> [String] {
        guard FileManager.default.fileExists(atPath: path) else {
            return ["file not found (paths are relative to the policy's folder)"]
        }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            return ["cannot be read as UTF-8 text"]
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let rows = lines(of: text).enumerated().filter { !$0.element.isEmpty }
        guard let first = rows.first else { return ["is empty; it needs one row per original value"] }
        let width = first.element.split(separator: ";", omittingEmptySubsequences: false).count
        var problems: [String] = []
        if width < 2 { problems.append("line \(first.offset + 1) has one column; each row needs the value and at least '*'") }
        var originals: Set<String> = []
        var mapping: [[String: String]] = Array(repeating: [:], count: max(width - 1, 0))
        for (index, row) in rows {
            let line = index + 1
            let cells = row.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == width else {
                problems.append("line \(line) has \(cells.count) levels, the first row has \(width); every row needs the same number")
                continue
            }
            if cells.last != "*" { problems.append("line \(line) ends with '\(cells.last ?? "")'; the last level must be '*'") }
            if !originals.insert(cells[0]).inserted { problems.append("line \(line) repeats the value '\(cells[0])'") }
            for level in 0..<(width - 1) {
                let (from, to) = (cells[level], cells[level + 1])
                if let earlier = mapping[level][from], earlier != to {
                    problems.append("line \(line): '\(from)' at level \(level) maps to '\(to)' at level \(level + 1), elsewhere to '\(earlier)'; each level must be a function of the one before")
                } else {
                    mapping[level][from] = to
                }
            }
            if problems.count >= 5 { break }
        }
        return problems
    }

    /// The lines of `text`, split at LF or CRLF (one Character in Swift), each without its line end.
    static func lines(of text: String) -> [String] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
    }
}
