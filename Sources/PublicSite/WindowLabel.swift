/// A release window's label: a day (`2026-11-22`) or a range of days (`2026-11-01..2026-11-07`).
public enum WindowLabel {
    /// The first and last day of a window label.
    public static func days(of label: String) -> (first: String, last: String) {
        let parts = label.components(separatedBy: "..")
        return (parts.first ?? label, parts.last ?? label)
    }
}

import Foundation
