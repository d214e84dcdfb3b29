/// Text made safe for HTML pages the publisher writes (index, dashboard, privacy reports):
/// every value from a policy or the data goes through ``escape(_:)`` before it is written.
enum HTML {
    /// `text` with `&`, `<`, `>` and `"` replaced by their entities, safe in element content and
    /// double-quoted attribute values.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
