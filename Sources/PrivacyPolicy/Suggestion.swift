/// "Did you mean" suggestions for misspelt keys and names.
public enum Suggestion {
    /// `; did you mean 'x'?` for the closest candidate within a small edit
    /// distance, or an empty string when nothing is close; lists the choices
    /// when there are few.
    public static func didYouMean(_ word: String, among candidates: [String]) -> String {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        let limit = max(2, word.count / 3)
        if let best = scored.filter({ $0.1 <= limit }).min(by: { $0.1 < $1.1 }) {
            return "; did you mean '\(best.0)'?"
        }
        if candidates.count <= 8 {
            return "; expected one of: \(candidates.joined(separator: ", "))"
        }
        return ""
    }

    /// Levenshtein distance between two strings, by Unicode characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
