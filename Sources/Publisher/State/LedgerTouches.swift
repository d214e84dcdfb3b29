import Foundation

/// The people a run's releases may have charged, by population, noted when each release's plan is
/// made (a superset of the rows its commit rewrites). After the run, only these rows are read again
/// for the largest yearly charge; every other row is as the run's ledger check found it
/// (``LedgerSeal/check(_:now:)``). Thread-safe.
final class LedgerTouches: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: [LedgerID]] = [:]

    /// Past this many people touched in a population, the summary scans the whole ledger instead
    /// (one streamed pass is then cheaper than a look-up each), so no more are kept.
    static let fullScanAbove = 50_000

    /// Notes that `charged` people of `population` may be charged (only the first
    /// ``fullScanAbove`` + 1 of a population are kept: enough to say there are more).
    func add(population: String, _ charged: [LedgerID]) {
        lock.withLock {
            let room = Self.fullScanAbove + 1 - ids[population, default: []].count
            if room > 0 { ids[population, default: []] += charged.prefix(room) }
        }
    }

    /// Everyone noted so far, by population.
    var all: [String: [LedgerID]] { lock.withLock { ids } }
}
