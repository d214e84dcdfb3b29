import Foundation

/// One published release, as the history keeps it.
public struct PublishedRelease: Sendable, Equatable {
    public var dataset: String
    public var release: String
    public var window: String
    public var windowSequence: Int
    public var sequence: Int
    public var manifestSHA256: String
    public var publishedAt: Date

    public init(dataset: String, release: String, window: String, windowSequence: Int, sequence: Int, manifestSHA256: String,
                publishedAt: Date) {
        (self.dataset, self.release, self.window, self.windowSequence) = (dataset, release, window, windowSequence)
        (self.sequence, self.manifestSHA256, self.publishedAt) = (sequence, manifestSHA256, publishedAt)
    }

    /// Window order: by the window's last day, then its first, then its re-issue (`-s2` after the
    /// first). What a reader means by "latest" and what charts run along; a night caught up late
    /// takes its place among the others. (Publication order, ``sequence``, is only for the
    /// manifests' hash chain.)
    public static func windowOrder(_ a: PublishedRelease, _ b: PublishedRelease) -> Bool {
        let (aFirst, aLast) = a.days, (bFirst, bLast) = b.days
        if aLast != bLast { return aLast < bLast }
        if aFirst != bFirst { return aFirst < bFirst }
        if a.windowSequence != b.windowSequence { return a.windowSequence < b.windowSequence }
        return a.sequence < b.sequence
    }

    /// The window's first and last day.
    public var days: (first: String, last: String) { WindowLabel.days(of: window) }

    /// Each dataset's newest release in window order (``windowOrder(_:_:)``), by dataset id: the
    /// release a stable sort by window order would leave last (of two equal in that order, the later
    /// in `releases`). One pass, each window's days split once, so a night does not sort the
    /// whole publication history to find it.
    public static func newestByWindow(_ releases: [PublishedRelease]) -> [String: PublishedRelease] {
        var newest: [String: (release: PublishedRelease, first: String, last: String)] = [:]
        for release in releases {
            let (first, last) = release.days
            if let current = newest[release.dataset] {
                // Skip only a release strictly before the current newest.
                let before = last != current.last ? last < current.last
                    : first != current.first ? first < current.first
                    : release.windowSequence != current.release.windowSequence ? release.windowSequence < current.release.windowSequence
                    : release.sequence < current.release.sequence
                if before { continue }
            }
            newest[release.dataset] = (release, first, last)
        }
        return newest.mapValues(\.release)
    }
}
