import Foundation
import Yams

/// Reads policy files into ``Policy`` values.
///
/// Every problem is reported at once, each as `PATH:LINE:COL: message`:
/// YAML syntax, unknown keys (with a "did you mean"), wrong types, missing
/// required keys, unknown treatments, missing or malformed hierarchy files,
/// outputs that name unpublished columns, and budgets smaller than the sum of
/// the outputs' ε. Checks that need the operational store are in
/// ``StoreSchemaCheck``.
public enum PolicyLoader {
    /// Top-level keys of format version 1.
    public static let topLevelKeys = [
        "policy", "dataset", "source", "retention", "columns", "exclude", "publish_only", "derived", "outputs", "budget", "map",
    ]

    /// Loads and validates the policy at `path`.
    ///
    /// - Throws: ``PolicyError`` with every problem found; an unreadable file is
    ///   reported as a diagnostic at line 1.
    public static func load(path: String) throws(PolicyError) -> Policy {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PolicyError(diagnostics: [PolicyDiagnostic(
                SourceLocation(file: path, line: 1, column: 1),
                "cannot read the policy file (\(error.localizedDescription)); check the path and permissions")])
        }
        return try parse(bytes: bytes, path: path)
    }

    /// Parses policy text. `path` names the file in diagnostics and anchors
    /// relative hierarchy paths.
    ///
    /// - Throws: ``PolicyError`` with a single diagnostic when the bytes are not UTF-8, are not
    ///   YAML or are empty; otherwise with every problem the parser found.
    public static func parse(bytes: Data, path: String) throws(PolicyError) -> Policy {
        let here = SourceLocation(file: path, line: 1, column: 1)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw PolicyError(diagnostics: [PolicyDiagnostic(here, "the policy is not valid UTF-8 text")])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw PolicyError(diagnostics: [yamlDiagnostic(error, path: path)])
        } catch {
            throw PolicyError(diagnostics: [PolicyDiagnostic(here, "cannot parse YAML: \(error)")])
        }
        guard let root else {
            throw PolicyError(diagnostics: [PolicyDiagnostic(here, "the policy is empty; start from a file in Policies/")])
        }
        var parser = PolicyParser(reader: NodeReader(file: path), baseDirectory: directory(of: path))
        let policy = parser.parse(root, path: path, bytes: bytes)
        let diagnostics = parser.reader.diagnostics
        guard diagnostics.isEmpty, let policy else {
            throw PolicyError(diagnostics: diagnostics)
        }
        return policy
    }

    static func directory(of path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    /// One line at the error's place: Yams' own description repeats the document around it.
    private static func yamlDiagnostic(_ error: YamlError, path: String) -> PolicyDiagnostic {
        func oneLine(_ text: String) -> String {
            let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
            return first.count > 200 ? String(first.prefix(200)) + "…" : first
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            return PolicyDiagnostic(SourceLocation(file: path, line: mark.line, column: mark.column),
                                    "YAML syntax error: \(oneLine(problem))\(context.map { " (\(oneLine($0.text)))" } ?? ""); check the indentation and quoting around this line")
        case let .composer(_, problem, mark, _):
            return PolicyDiagnostic(SourceLocation(file: path, line: mark.line, column: mark.column),
                                    "YAML syntax error: \(oneLine(problem))")
        case let .reader(problem, offset, value, _):
            return PolicyDiagnostic(SourceLocation(file: path, line: 1, column: 1),
                                    "YAML error: \(oneLine(problem)) at byte \(offset ?? 0) (0x\(String(value, radix: 16))); save the file as UTF-8")
        default:
            return PolicyDiagnostic(SourceLocation(file: path, line: 1, column: 1), "YAML error: \(oneLine(String(describing: error)))")
        }
    }
}
