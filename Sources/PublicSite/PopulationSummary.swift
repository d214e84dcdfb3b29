import Foundation

/// Where one population's per-person budget stands, for `opendata status` and
/// the public index. The cap, its history and how far the budget goes for
/// someone who is in every nightly release are public (they follow from the
/// policies and the release history alone). The largest total any one person has
/// accrued (``largestEpsilon``) is an exact figure about people: it changes with
/// one person's records, so it is for the steward only (`status`, the metrics
/// file) and never written to a published file.
public struct PopulationSummary: Sendable {
    public var population: String
    /// The datasets that charge it.
    public var datasets: [String]
    /// The current caps, and every cap it was released under (the history of caps is public).
    public var epsilonCap: Double?
    public var deltaCap: Double?
    public var capHistory: [(epsilon: Double?, delta: Double?, dataset: String, firstWindow: String)]
    /// ε a person in every dataset's latest release is charged per night.
    public var perNightEpsilon: Double
    /// The largest (ε, δ) any person accrued over the 365 days before `now`; nil when not read
    /// (the public index's summaries, which never show it).
    public var largestEpsilon: Double?
    public var largestDelta: Double?

    /// Nightly releases a person who is in every one can be in over any 365 days.
    public var releasesPerYearForEveryNight: Int? {
        guard let cap = epsilonCap, perNightEpsilon > 0 else { return nil }
        return Int((cap / perNightEpsilon + 1e-9).rounded(.down))
    }

    /// Nightly releases the busiest person can still be in before the cap leaves them out.
    public var releasesLeftForTheBusiest: Int? {
        guard let cap = epsilonCap, let largestEpsilon, perNightEpsilon > 0 else { return nil }
        return max(0, Int(((cap - largestEpsilon) / perNightEpsilon + 1e-9).rounded(.down)))
    }

    public init(population: String, datasets: [String], epsilonCap: Double?, deltaCap: Double?,
                capHistory: [(epsilon: Double?, delta: Double?, dataset: String, firstWindow: String)], perNightEpsilon: Double,
                largestEpsilon: Double?, largestDelta: Double?) {
        (self.population, self.datasets, self.epsilonCap, self.deltaCap, self.capHistory) = (population, datasets, epsilonCap, deltaCap, capHistory)
        (self.perNightEpsilon, self.largestEpsilon, self.largestDelta) = (perNightEpsilon, largestEpsilon, largestDelta)
    }
}
