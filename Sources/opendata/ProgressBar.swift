import Foundation
import Publisher

/// A one-line progress bar on standard error, for a person watching a long
/// release at a terminal.
///
/// It draws only when standard error is a terminal and the log format is
/// text; under cron, systemd or `--log-format json` it stays silent, so logs
/// never fill with carriage returns. Stages report from worker threads, so
/// updates are locked and redrawn at most ten times a second. The bar shows
/// stage names and counts only, never record contents or secrets.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private var shown = false

    /// A bar that draws when `format` is text and standard error is a terminal.
    init(format: Console.Format) {
        enabled = format == .text && isatty(STDERR_FILENO) != 0
    }

    /// The callback a release hands to its long stages, or nil when the bar is off.
    var stageProgress: StageProgress? {
        guard enabled else { return nil }
        return { [self] stage, fraction in update(stage, fraction) }
    }

    /// Redraws the bar for `stage` (throttled).
    func update(_ stage: String, _ fraction: Double?) {
        lock.withLock {
            let now = Date()
            guard enabled, now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            let columns = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + Self.render(stage, fraction, columns: columns)).utf8))
            shown = true
        }
    }

    /// Erases the bar, so a finished step's line can be printed in its place.
    func clear() {
        lock.withLock {
            guard shown else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
            shown = false
            lastDraw = .distantPast
        }
    }

    /// The bar's text: `[#######.............]  35%  stage` with a known
    /// fraction, else the stage alone; never wider than `columns` − 1.
    static func render(_ stage: String, _ fraction: Double?, columns: Int) -> String {
        var line = stage
        if let fraction {
            let clamped = min(max(fraction, 0), 1)
            let width = 24
            let filled = Int((clamped * Double(width)).rounded(.down))
            let percent = String(format: "%3d%%", Int((clamped * 100).rounded(.down)))
            line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                + percent + "  " + stage
        }
        let limit = max(columns - 1, 10)
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }
}
