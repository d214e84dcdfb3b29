import Foundation

/// Wall-clock time between the stages of a release, with the memory resident and the page faults
/// so far (what a stage costs on a machine whose free memory is cold), written to standard error when the
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
        FileHandle.standardError.write(Data(String(format: "[timing] %7.3f s  %@%@\n", seconds, label, memory()).utf8))
    }

    /// The process's resident memory and its page faults so far (Linux `/proc/self`), or nothing elsewhere.
    private static func memory() -> String {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let resident = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
              let close = stat.lastIndex(of: ")") else { return "" }
        // Fields after the command's closing parenthesis: state is field 3, minflt field 10.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let faults = fields.count > 7 ? String(fields[7]) : "?"
        return String(format: "  [%ld MB resident, %@ faults]", resident * Int(sysconf(Int32(_SC_PAGESIZE))) / 1_000_000, faults)
    }
}
