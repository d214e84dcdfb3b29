import Foundation

/// One output's spend in one release, as the ledger keeps it.
public struct LedgerEntry: Sendable, Equatable, Codable {
    public var dataset: String
    public var window: String
    public var windowStart: Date
    public var windowEnd: Date
    public var sequence: Int
    public var output: String
    public var epsilon: Double
    public var delta: Double?
    public var rho: Double?
    public var recordedAt: Date

    public init(dataset: String, window: String, windowStart: Date, windowEnd: Date, sequence: Int, output: String, epsilon: Double,
                delta: Double?, rho: Double?, recordedAt: Date) {
        (self.dataset, self.window, self.windowStart, self.windowEnd, self.sequence) = (dataset, window, windowStart, windowEnd, sequence)
        (self.output, self.epsilon, self.delta, self.rho, self.recordedAt) = (output, epsilon, delta, rho, recordedAt)
    }

    public enum CodingKeys: String, CodingKey {
        case dataset, window, windowStart = "window_start", windowEnd = "window_end", sequence, output, epsilon, delta, rho
        case recordedAt = "recorded_at"
    }
}
