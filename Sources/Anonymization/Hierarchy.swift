import Foundation

/// A generalisation hierarchy of one quasi-identifier: for each original value,
/// its generalisation at every level, level 0 being the value itself and the
/// last level `*` (fully suppressed).
///
/// Invariants, checked by ``validate(covering:)``: every row has the same number
/// of levels, the last is `*`, and each level is a function of the one before
/// (two values equal at level l are equal at level l + 1), so generalising
/// never splits an equivalence class.
public struct Hierarchy: Sendable, Equatable {
    /// The column this hierarchy generalises.
    public let column: String
    /// One row per original value: `rows[i][level]`.
    public let rows: [[String]]
    private let index: [String: Int]

    /// Creates a hierarchy from its rows (first column: original values).
    public init(column: String, rows: [[String]]) {
        self.column = column
        self.rows = rows
        var index: [String: Int] = [:]
        for (position, row) in rows.enumerated() where index[row[0]] == nil { index[row[0]] = position }
        self.index = index
    }

    /// Number of levels, including level 0.
    public var height: Int { rows.first?.count ?? 1 }

    /// The generalisation of `value` at `level`, or nil when the hierarchy does not cover it.
    public func generalize(_ value: String, level: Int) -> String? {
        index[value].map { rows[$0][level] }
    }

    /// The row of `value` (its first, should the file repeat it), or nil when not covered.
    func row(of value: String) -> Int? { index[value] }

    /// True when the hierarchy has a row for `value`.
    public func covers(_ value: String) -> Bool { index[value] != nil }

    /// Reads an ARX hierarchy file: `;`-separated, no header, one row per original
    /// value, one column per level, the last `*`.
    ///
    /// - Throws: ``AnonymizationError/malformedHierarchy(file:line:reason:)`` when the file cannot
    ///   be read, is not UTF-8, is empty, or has a row with a different number of levels.
    public static func load(arxFile path: String, column: String) throws(AnonymizationError) -> Hierarchy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .malformedHierarchy(file: path, line: 1, reason: "cannot read the file")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw .malformedHierarchy(file: path, line: 1, reason: "not UTF-8 text")
        }
        // Spreadsheets save a byte-order mark and CRLF line endings; both are read as plain text.
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var rows: [[String]] = []
        // "\r\n" is one Character in Swift, so both line ends are split on explicitly.
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { continue }
            let cells = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            if let width = rows.first?.count, cells.count != width {
                throw .malformedHierarchy(file: path, line: offset + 1, reason: "\(cells.count) levels where the first row has \(width)")
            }
            rows.append(cells)
        }
        guard !rows.isEmpty else { throw .malformedHierarchy(file: path, line: 1, reason: "the file is empty") }
        return Hierarchy(column: column, rows: rows)
    }

    /// Checks the invariants and that every value in `values` has a row.
    ///
    /// `nested: false` skips the function check; the time builder needs it
    /// because an ISO week can straddle two months, so `[week, month]` is a
    /// valid recoding but not a tree. The search does not rely on nesting for
    /// correctness, only the plain-language guarantees do.
    ///
    /// - Throws: ``AnonymizationError/invalidConfiguration(_:)`` when rows differ in length;
    ///   ``AnonymizationError/lastLevelNotSuppressed(column:value:)`` when a row does not end in `*`;
    ///   ``AnonymizationError/notAFunction(column:value:level:)`` when a level is not a function of
    ///   the one before (only with `nested`); ``AnonymizationError/valueNotCovered(column:value:)``
    ///   for a value in `values` without a row.
    public func validate(covering values: some Sequence<String>, nested: Bool = true) throws(AnonymizationError) {
        var next: [[String: String]] = Array(repeating: [:], count: max(height - 1, 0))
        for row in rows {
            guard row.count == height else {
                throw .invalidConfiguration("column '\(column)': hierarchy rows have different numbers of levels")
            }
            guard row.last == "*" else { throw .lastLevelNotSuppressed(column: column, value: row[0]) }
            for level in 0..<(height - 1) where nested {
                if let seen = next[level][row[level]], seen != row[level + 1] {
                    throw .notAFunction(column: column, value: row[level], level: level)
                }
                next[level][row[level]] = row[level + 1]
            }
        }
        for value in values where !covers(value) {
            throw .valueNotCovered(column: column, value: value)
        }
    }
}
