import Foundation

/// Canonical JSON: keys sorted, no insignificant whitespace, slashes unescaped,
/// integers without a fraction; the same value always gives the same bytes.
public enum CanonicalJSON {
    public static func encode(_ object: Any) throws(ReleaseFormatError) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .malformed(file: "json", reason: "cannot encode (\(error))")
        }
    }

    /// Parses a JSON object, naming `file` in errors.
    public static func object(_ data: Data, file: String) throws(ReleaseFormatError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: data), let dictionary = object as? [String: Any] else {
            throw .malformed(file: file, reason: "not a JSON object")
        }
        return dictionary
    }
}
