import Foundation

/// Reads the levels of a record file's `generalization:` against its columns' hierarchies.
///
/// A level is written in the words of the column's own builder: a time unit of its `time:` list
/// (`month`), a width of its `bands:` (`20`), a block size of its `street_block:` (`1000`) or
/// `street`, a mask of its `prefix:` or places of its `round:` (`2`), a level number of its
/// hierarchy file (`1`, the file's second column); `value` publishes the column as it is and `"*"`
/// removes it. A column without a hierarchy (keep, sensitive, pseudonymize, insensitive) is
/// `value` or `"*"`. Exact timestamps and street addresses are never a level of a differentially
/// private record file (no class of k people shares one, so the search never offers them either).
public enum GeneralizationLevels {
    /// What a written level names.
    public enum Reading: Equatable, Sendable {
        /// The level's index in the column's hierarchy: 0 is the value, the last is `*`.
        case level(Int)
        /// Why the word names no level (a sentence to follow the column's name).
        case problem(String)
    }

    /// The level `word` names in the hierarchy of a column with `treatment`. `fileHeight` is the
    /// number of levels of a `file:` hierarchy (nil when the file could not be read: the reading
    /// is then `.problem` with an empty sentence, as the file's own error is reported already).
    public static func level(_ word: String, of treatment: Treatment, fileHeight: Int?) -> Reading {
        let removed = word == "*" || word == "suppressed"
        guard case let .generalize(hierarchy) = treatment else {
            if word == "value" { return .level(0) }
            if removed { return .level(1) }
            return .problem("has no hierarchy (its treatment is \(treatment.keyword)), so its level is value or \"*\", found '\(word)'")
        }
        func listed<T: Equatable>(_ value: T?, in list: [T], _ what: String, _ words: String) -> Reading {
            if let value, let index = list.firstIndex(of: value) { return .level(index + 1) }
            return .problem("is generalised by \(hierarchy.builder): its levels are \(words), value or \"*\"; '\(word)' is not \(what)")
        }
        switch hierarchy {
        case let .time(levels):
            if removed { return .level(levels.count + 1) }
            if word == "value" { return .problem(Self.exact("timestamps")) }
            return listed(TimeLevel(rawValue: word), in: levels, "one of them", levels.map(\.rawValue).joined(separator: ", "))
                .replacingValueWords(exact: "timestamps")
        case let .bands(widths, _):
            if removed { return .level(widths.count + 1) }
            if word == "value" { return .level(0) }
            return listed(Int(word), in: widths, "one of its widths", widths.map(String.init).joined(separator: ", "))
        case let .streetBlock(sizes):
            if removed { return .level(sizes.count + 2) }
            if word == "value" { return .problem(Self.exact("street addresses")) }
            if word == "street" { return .level(sizes.count + 1) }
            return listed(Int(word), in: sizes, "one of its block sizes", sizes.map(String.init).joined(separator: ", ") + ", street")
                .replacingValueWords(exact: "street addresses")
        case let .prefix(masks):
            if removed { return .level(masks.count + 1) }
            if word == "value" { return .level(0) }
            return listed(Int(word), in: masks, "one of its masks", masks.map(String.init).joined(separator: ", "))
        case let .round(places):
            if removed { return .level(places.count + 1) }
            if word == "value" { return .level(0) }
            return listed(Int(word), in: places, "one of its decimal places", places.map(String.init).joined(separator: ", "))
        case .file:
            guard let fileHeight else { return .problem("") }
            if removed { return .level(fileHeight - 1) }
            if word == "value" { return .level(0) }
            if let number = Int(word), (0..<fileHeight).contains(number) { return .level(number) }
            return .problem("is generalised by its hierarchy file, whose levels are numbered 0 (the value) to \(fileHeight - 1) (\"*\"); '\(word)' is not one of them")
        }
    }

    /// Number of levels (columns) of the ARX hierarchy file at `path`, from its first row; nil when
    /// it cannot be read (its own check reports why).
    public static func fileHeight(_ path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
              let first = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first(where: { !$0.isEmpty })
        else { return nil }
        return first.split(separator: ";", omittingEmptySubsequences: false).count
    }

    static func exact(_ what: String) -> String {
        "would publish exact \(what), and no class of k people shares one; choose a coarser level"
    }
}

extension GeneralizationLevels.Reading {
    /// Builders without a `value` level say so in their list of words.
    fileprivate func replacingValueWords(exact what: String) -> Self {
        guard case let .problem(sentence) = self else { return self }
        return .problem(sentence.replacingOccurrences(of: ", value or \"*\"", with: " or \"*\" (exact \(what) are never published)"))
    }
}
