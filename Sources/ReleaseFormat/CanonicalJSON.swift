import Foundation

/// Canonical JSON, the one encoder for every file the tool writes: keys sorted, no
/// insignificant whitespace, slashes unescaped, integers without a fraction, doubles
/// in their shortest round-trip form; the same value always gives the same bytes, so
/// a re-run reproduces a file (and its signature) exactly.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when a value cannot be
    ///   written as JSON (a non-finite number).
    public static func encode<T: Encodable>(_ value: T) throws(ReleaseFormatError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            throw .malformed(file: "json", reason: "cannot encode (\(error))")
        }
    }

    /// Reads a `T` from JSON, naming `file` and the failing key path in errors.
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when the bytes are not JSON or do
    ///   not have the type's shape (a missing key, a wrong type), naming the key.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws(ReleaseFormatError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .malformed(file: file, reason: "'\(path(context.codingPath + [key]))' is missing")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw .malformed(file: file, reason: "'\(path(context.codingPath))' must be \(describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw .malformed(file: file, reason: "'\(path(context.codingPath))' must be \(describe(expected)), not null")
        } catch let DecodingError.dataCorrupted(context) {
            throw .malformed(file: file, reason: context.codingPath.isEmpty ? "not JSON" : "'\(path(context.codingPath))': \(context.debugDescription)")
        } catch let error as ReleaseFormatError {
            throw error
        } catch {
            throw .malformed(file: file, reason: "\(error)")
        }
    }

    /// A key path as `files[3].sha256`.
    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { text, key in
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: type == [Any].self ? "a list" : "an object (\(type))"
        }
    }
}
