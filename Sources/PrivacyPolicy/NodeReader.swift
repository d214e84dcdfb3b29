import Foundation
import Yams

/// Reads typed values out of a YAML node tree, collecting a diagnostic (with
/// line and column) for every problem instead of stopping at the first.
struct NodeReader {
    let file: String
    private(set) var diagnostics: [PolicyDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(PolicyDiagnostic(location(node), message))
    }

    mutating func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(PolicyDiagnostic(location, message))
    }

    /// The entries of a mapping, keyed by their scalar key. Reports a non-mapping,
    /// duplicate keys, keys not in `allowed` (with a suggestion) and missing `required` keys.
    mutating func mapping(_ node: Node, _ context: String, allowed: [String], required: [String] = [])
        -> Entries?
    {
        guard case let .mapping(mapping) = node else {
            error(node, "\(context) must be a mapping of keys to values, found \(describe(node))")
            return nil
        }
        var entries = Entries(node: node)
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(keyNode, "\(context): keys must be plain words")
                continue
            }
            if entries.values[key] != nil {
                error(keyNode, "\(context): duplicate key '\(key)'; each key may appear once")
                continue
            }
            if !allowed.isEmpty && !allowed.contains(key) {
                error(keyNode, "\(context): unknown key '\(key)'\(Suggestion.didYouMean(key, among: allowed))")
                continue
            }
            entries.order.append(key)
            entries.values[key] = value
            entries.keyNodes[key] = keyNode
        }
        for key in required where entries.values[key] == nil {
            error(node, "\(context): missing required key '\(key)'")
        }
        return entries
    }

    mutating func string(_ node: Node, _ context: String) -> String? {
        guard let scalar = node.scalar else {
            error(node, "\(context) must be a single value, found \(describe(node))")
            return nil
        }
        return scalar.string
    }

    /// One of the words of `Choice` (its raw values), or nil after an error naming the
    /// nearest word and every allowed one.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ node: Node, _ context: String, _ what: String)
        -> Choice? where Choice.RawValue == String
    {
        guard let word = string(node, context) else { return nil }
        if let chosen = Choice(rawValue: word) { return chosen }
        let words = Choice.allCases.map(\.rawValue)
        error(node, "\(context): unknown \(what) '\(word)'\(Suggestion.didYouMean(word, among: words)); use one of \(words.joined(separator: ", "))")
        return nil
    }

    mutating func nonEmptyString(_ node: Node, _ context: String) -> String? {
        guard let value = string(node, context) else { return nil }
        if value.trimmingCharacters(in: .whitespaces).isEmpty {
            error(node, "\(context) must not be empty")
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, _ context: String) -> Double? {
        guard let text = string(node, context) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(node, "\(context) must be a number, found '\(text)'")
            return nil
        }
        return value
    }

    mutating func positiveNumber(_ node: Node, _ context: String) -> Double? {
        guard let value = number(node, context) else { return nil }
        guard value > 0 else {
            error(node, "\(context) must be greater than 0, found \(text(value))")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ context: String, minimum: Int) -> Int? {
        guard let text = string(node, context) else { return nil }
        guard let value = Int(text) else {
            error(node, "\(context) must be a whole number, found '\(text)'")
            return nil
        }
        guard value >= minimum else {
            error(node, "\(context) must be at least \(minimum), found \(value)")
            return nil
        }
        return value
    }

    /// A share written `2%` or `0.02`, in [0, 1].
    mutating func fraction(_ node: Node, _ context: String) -> Double? {
        guard let raw = string(node, context) else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let value: Double?
        if trimmed.hasSuffix("%") {
            value = Double(trimmed.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 }
        } else {
            value = Double(trimmed)
        }
        guard let value, value >= 0, value <= 1 else {
            error(node, "\(context) must be a share such as 2% or 0.02 (between 0% and 100%), found '\(raw)'")
            return nil
        }
        return value
    }

    mutating func sequence(_ node: Node, _ context: String) -> [Node]? {
        guard case let .sequence(sequence) = node else {
            error(node, "\(context) must be a list such as [a, b], found \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    mutating func stringList(_ node: Node, _ context: String) -> [String]? {
        guard let items = sequence(node, context) else { return nil }
        var result: [String] = []
        for item in items {
            if let value = string(item, "each entry of \(context)") { result.append(value) }
        }
        return result
    }

    mutating func integerList(_ node: Node, _ context: String, minimum: Int) -> [Int]? {
        guard let items = sequence(node, context) else { return nil }
        var result: [Int] = []
        for item in items {
            guard let value = integer(item, "each entry of \(context)", minimum: minimum) else { return nil }
            result.append(value)
        }
        if result.isEmpty {
            error(node, "\(context) must list at least one level")
            return nil
        }
        return result
    }

    func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar): "the value '\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private func text(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// The checked entries of one YAML mapping, in file order.
struct Entries {
    let node: Node
    var order: [String] = []
    var values: [String: Node] = [:]
    var keyNodes: [String: Node] = [:]

    init(node: Node) {
        self.node = node
    }

    subscript(key: String) -> Node? { values[key] }
}
