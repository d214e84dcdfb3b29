import Foundation

/// Wall-clock time between the stages of a release, written to standard error when the
/// environment sets `OPENDATA_TIMING` (a profiling aid; never record contents, only stage names).
enum StageTiming {
    private final class Clock: @unchecked Sendable {
        let lock = NSLock()
        var last = Date()
    }

    private static let clock = Clock()
    static let enabled = ProcessInfo.processInfo.environment["OPENDATA_TIMING"] != nil

    /// Writes the seconds since the previous mark (or the process's first mark) and `label`.
    static func mark(_ label: String) {
        guard enabled else { return }
        let seconds = clock.lock.withLock {
            let now = Date()
            defer { clock.last = now }
            return now.timeIntervalSince(clock.last)
        }
        FileHandle.standardError.write(Data(String(format: "[timing] %7.3f s  %@\n", seconds, label).utf8))
    }
}
