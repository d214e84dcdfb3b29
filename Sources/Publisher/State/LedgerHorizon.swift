import Foundation
import GRDB

/// How far back the per-person ledger keeps charges, and which windows may still be charged.
///
/// A release of window W is checked against every 365-day span that overlaps W
/// (``PersonLedger/busiestSpan(_:overlapping:adding:)``): a span [s, s + 365 d) with
/// W.start − 365 d < s < W.end, so a charge ending at or before W.start − 365 d can never
/// count for W (nor for a record-level population, whose check reads only charges
/// overlapping W). The ledger keeps a horizon H in the state (`meta`, key `ledger_horizon`):
///
/// - H = (start of the newest window ever charged) − 2 × 365 days; it only moves forward,
///   in the commit transaction of a release that charges a newer window.
/// - Charges ending at or before H are trimmed: from the rows of the people a release
///   charges, and record-level window charges, in its commit; from every other row, in the
///   next run's ledger check (``LedgerSeal/check(_:)``), which deletes a row left with no
///   charge. The ledger's digest is updated for every row removed or rewritten.
/// - A first release (or a new sequence, which charges again) of a window starting before
///   H + 365 days, i.e. more than 365 days before the newest charged window, is refused
///   before anything is read, spent or written (``refuseIfBehind(_:dataset:horizon:)``):
///   its spans could reach trimmed charges. Re-running a window already charged charges
///   nobody and is not affected.
///
/// Guarantee: for every window the tool accepts, every charge a cap check or the largest
/// yearly charge (``PersonLedger/largestYearlyCharge(population:now:)``) could count is
/// still in the ledger, so trimming never changes a decision or a figure. A person who
/// stops appearing is removed from the ledger once their last charge ends before H.
public enum LedgerHorizon {
    static let metaKey = "ledger_horizon"

    /// How far the horizon trails the newest charged window's start: 2 × 365 days, which
    /// leaves 365 days of catch-up room behind the newest window.
    public static let lag: TimeInterval = 2 * PersonLedger.year

    /// The stored horizon, or nil while no window has been charged since it was introduced.
    static func stored(in db: Database) throws -> Date? {
        guard let value = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [metaKey]),
              value.count == 8 else { return nil }
        let seconds = value.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    static func store(_ horizon: Date, in db: Database) throws {
        var seconds = Int64(horizon.timeIntervalSince1970.rounded(.down)).littleEndian
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       arguments: [metaKey, withUnsafeBytes(of: &seconds) { Data($0) }])
    }

    /// The horizon after charging a window starting at `start`: the later of `current` and `start` − ``lag``.
    static func advanced(_ current: Date?, charging start: Date) -> Date {
        let candidate = Date(timeIntervalSince1970: (start.timeIntervalSince1970 - lag).rounded(.down))
        guard let current else { return candidate }
        return max(current, candidate)
    }

    /// The earliest start a window charged for the first time may have under `horizon`.
    public static func earliestStart(horizon: Date) -> Date { horizon.addingTimeInterval(PersonLedger.year) }

    /// The stored horizon of `state`, or nil when none is stored yet.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state cannot be read.
    public static func current(_ state: StateStore) throws(PublisherError) -> Date? {
        do {
            return try state.queue.read { db in try stored(in: db) }
        } catch {
            throw .io(path: state.path, reason: "cannot read the ledger's trim horizon (\(error))")
        }
    }

    /// Refuses charging `window` for the first time when its 365-day spans could reach charges
    /// the ledger has trimmed (it starts before `horizon` + 365 days).
    ///
    /// - Throws: ``PublisherError/refused(_:)`` naming the window, the earliest window still
    ///   accepted and what to do; nothing is read, spent or written before it.
    public static func refuseIfBehind(_ window: ReleaseWindow, dataset: String, horizon: Date?) throws(PublisherError) {
        guard let horizon else { return }
        let earliest = earliestStart(horizon: horizon)
        guard window.start < earliest else { return }
        let formatter = ISO8601DateFormatter()
        throw .refused("dataset \(dataset): window \(window.label) starts before \(formatter.string(from: earliest)), 365 days before the newest window the ledger has charged, and charges older than \(formatter.string(from: horizon)) have been trimmed from the per-person ledger, so its 365-day cap cannot be checked; nothing was read, published or spent. Release windows from \(formatter.string(from: earliest)) on (windows already published can still be re-run)")
    }

    /// The end (seconds since 1970) of the latest charge in an encoded row (``PersonLedger/encode(_:)``).
    static func lastEnd(_ bytes: UnsafeRawBufferPointer) -> Int64 { ends(bytes, from: .min, keeping: max) }

    /// The end (seconds since 1970) of the earliest-ending charge in an encoded row.
    static func firstEnd(_ bytes: UnsafeRawBufferPointer) -> Int64 { ends(bytes, from: .max, keeping: min) }

    /// Folds the end of every 48-byte charge of an encoded row (its second field) with `keeping`.
    private static func ends(_ bytes: UnsafeRawBufferPointer, from start: Int64, keeping: (Int64, Int64) -> Int64) -> Int64 {
        PersonLedger.chargeOffsets(bytes).reduce(start) { keeping($0, PersonLedger.chargeEnd(bytes, at: $1)) }
    }

    /// `charges` (encoded) without those ending at or before `horizon`; the same value when none does.
    static func kept(_ charges: Data, horizon: Date?) -> Data {
        guard let horizon else { return charges }
        let limit = Int64(horizon.timeIntervalSince1970.rounded(.down))
        return charges.withUnsafeBytes { bytes -> Data in
            let size = PersonLedger.chargeSize
            let keep = PersonLedger.chargeOffsets(bytes).filter { PersonLedger.chargeEnd(bytes, at: $0) > limit }
            guard keep.count < bytes.count / size else { return charges }
            var result = Data(capacity: keep.count * size)
            for start in keep { result.append(contentsOf: bytes[start..<(start + size)]) }
            return result
        }
    }
}
