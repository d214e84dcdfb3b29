/// Re-identification risk of published records under the prosecutor model
/// (El Emam 2013): an attacker who knows a person is in the data and knows
/// their quasi-identifiers picks one record of the matching class at random,
/// so a record's risk is 1 / (its class size).
public struct RiskReport: Sendable, Equatable, Codable {
    /// Risk of the most exposed published record (1 / smallest class).
    public var highestProsecutorRisk: Double
    /// Mean risk over published records (published classes / published records).
    public var averageProsecutorRisk: Double
    /// Share of all records whose risk exceeds ``threshold``.
    public var recordsAtRisk: Double
    /// The threshold used for ``recordsAtRisk``.
    public var threshold: Double
    /// Records alone in their class before suppression (all are suppressed when k ≥ 2).
    public var sampleUniques: Int
    /// Records suppressed.
    public var suppressed: Int
    /// Published classes.
    public var classes: Int

    init(classes: EquivalenceClasses, rowCount: Int, threshold: Double = 0.2) {
        var smallest = Int.max, published = 0, records = 0, atRisk = 0, uniques = 0
        for (count, passes) in zip(classes.counts, classes.passes) {
            if count == 1 { uniques += 1 }
            guard passes else { continue }
            smallest = min(smallest, count)
            published += 1
            records += count
            if 1 / Double(count) > threshold { atRisk += count }
        }
        highestProsecutorRisk = published == 0 ? 0 : 1 / Double(smallest)
        averageProsecutorRisk = records == 0 ? 0 : Double(published) / Double(records)
        recordsAtRisk = rowCount == 0 ? 0 : Double(atRisk) / Double(rowCount)
        self.threshold = threshold
        sampleUniques = uniques
        suppressed = classes.outliers
        self.classes = published
    }

    /// The report of published classes of `classSizes` records (local recoding, whose classes
    /// span rounds), with `sampleUniques` from the data before any suppression.
    init(classSizes: [Int], rowCount: Int, suppressed: Int, sampleUniques: Int, threshold: Double = 0.2) {
        let records = classSizes.reduce(0, +)
        highestProsecutorRisk = classSizes.min().map { 1 / Double($0) } ?? 0
        averageProsecutorRisk = records == 0 ? 0 : Double(classSizes.count) / Double(records)
        let atRisk = classSizes.filter { 1 / Double($0) > threshold }.reduce(0, +)
        recordsAtRisk = rowCount == 0 ? 0 : Double(atRisk) / Double(rowCount)
        self.threshold = threshold
        self.sampleUniques = sampleUniques
        self.suppressed = suppressed
        classes = classSizes.count
    }
}
