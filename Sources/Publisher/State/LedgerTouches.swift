import Foundation

/// The people a run's releases may have charged, by population, noted when each release's plan is
/// made (a superset of the rows its commit rewrites). After the run, only these rows are read again
/// for the largest yearly charge; every other row is as the run's ledger check found it
/// (``LedgerSeal/check(_:now:)``). Thread-safe.
final class LedgerTouches: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: [LedgerID]] = [:]

    /// Notes that `charged` people of `population` may be charged.
    func add(population: String, _ charged: [LedgerID]) {
        lock.withLock { ids[population, default: []] += charged }
    }

    /// Everyone noted so far, by population.
    var all: [String: [LedgerID]] { lock.withLock { ids } }
}
