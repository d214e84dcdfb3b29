import Foundation
import Tabular

/// How well the published 95% margins describe the real error: many independent releases of one
/// synthetic window, every published value compared with the exact value under the same bounds.
///
/// The window has `groups` groups of `sizes` records each (seeded), values in [0, 3600] around a
/// centre that differs per group (some near a bound, where a mean's margin is widest), one
/// record per person and bounds G = 2, R = 1, so bounding keeps every record and the exact value
/// is the data's own. A second column misses about 10% of its values, for a mean that needs its
/// own count. Each trial runs the engine (``AggregateEngine``) on four outputs at the study's
/// budget:
/// - count, sum and mean of the complete column (the mean divides by the output's count, the sum
///   is derived from the mean; under ε all three come from the two pooled bin sums, ``PooledSums``);
/// - the same over the column with missing values (the mean's own count);
/// - count and sum of the complete column (a normalised sum beside the count);
/// - count and sum of the column with missing values (a plain sum; this count is the kind
///   "count (its own mechanism)");
/// and one more with the median, whose margin is in ranks. It reports, per kind, how often the
/// interval covered the exact value, the median margin over the 95th percentile of the
/// realised error (1 is a calibrated interval; above 1 it is too wide) and the same for the
/// margin ``AccuracyForecast`` predicts before any data (for the median, its rank-error forecast
/// at the group's size, ``AccuracyForecast/Statistic/rankForecast``, not the published bound).
public struct IntervalStudy: Sendable {
    /// One kind of published value.
    public struct Kind: Sendable {
        /// What it is ("mean (reuses the count)").
        public let name: String
        /// Published values compared.
        public var values = 0
        /// Values whose interval held the exact value.
        public var covered = 0
        /// Every margin (ranks for the median).
        public var margins: [Double] = []
        /// Every absolute error (ranks for the median).
        public var errors: [Double] = []
        /// Every forecast margin (``AccuracyForecast``, made before any data; a mean's at its group's true size).
        public var forecasts: [Double] = []

        /// covered ÷ values.
        public var coverage: Double { values == 0 ? 0 : Double(covered) / Double(values) }
        /// The median margin.
        public var medianMargin: Double { Self.quantile(margins, 0.5) }
        /// The 95th percentile of the absolute error.
        public var errorP95: Double { Self.quantile(errors, 0.95) }
        /// Median margin ÷ 95th percentile of the error.
        public var widthRatio: Double { errorP95 > 0 ? medianMargin / errorP95 : .infinity }
        /// Median forecast margin ÷ 95th percentile of the error.
        public var forecastRatio: Double { errorP95 > 0 ? Self.quantile(forecasts, 0.5) / errorP95 : .infinity }

        static func quantile(_ values: [Double], _ q: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
        }
    }

    /// The study's window.
    public let input: AggregateInput
    /// The budget of each output.
    public let budget: AggregateBudget
    let bounds = ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1)
    static let (low, high) = (0, 3600)

    /// A window of `groups` groups whose sizes are spread over `sizes`, from `seed`.
    public init(groups: Int, sizes: ClosedRange<Int>, budget: AggregateBudget, seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        func uniform() -> Double { Double(random.next() >> 11) / 9_007_199_254_740_992 }
        var groupOf: [Int32] = [], complete: [Double?] = [], partial: [Double?] = []
        for group in 0..<groups {
            let size = sizes.lowerBound + Int(uniform() * Double(sizes.count))
            // Centres across the range, a few at its edges; values spread ±600 around them and clamped.
            let centre = group % 5 == 0 ? (group % 10 == 0 ? 3500.0 : 100.0) : uniform() * 3600
            for _ in 0..<size {
                let value = min(3600, max(0, (centre + (uniform() - 0.5) * 1200).rounded()))
                groupOf.append(Int32(group))
                complete.append(value)
                partial.append(uniform() < 0.1 ? nil : value)
            }
        }
        input = AggregateInput(rowCount: groupOf.count, units: (0..<groupOf.count).map { Int32($0) }, groups: groupOf,
                               groupKeys: (0..<groups).map { ["g\($0)"] },
                               measures: ["complete": MeasureColumn(complete), "partial": MeasureColumn(partial)], complete: ["complete"])
        self.budget = budget
    }

    /// Runs `trials` releases and measures every kind.
    ///
    /// - Throws: ``DPError`` when the engine refuses the study's budget.
    /// - Parameter median: also release the median (its exact ranks make a trial slower).
    public func run(trials: Int, sampler: ExactSampler, median: Bool = true) throws(DPError) -> [Kind] {
        let (low, high) = (Self.low, Self.high)
        var kinds = ["count", "sum (from the mean, output's count)", "mean (reuses the output's count)",
                     "sum (from the mean, its own count)", "mean (its own count)", "sum (normalised, beside the count)",
                     "sum (plain)", "median (in ranks)", "count (its own mechanism)"].map { Kind(name: $0) }
        let exact = exactValues()
        let outputs: [(statistics: [AggregateStatistic], kinds: [Int?])] = [
            ([.count, .sum(column: "complete", low: low, high: high), .mean(column: "complete", low: low, high: high)], [0, 1, 2]),
            ([.count, .sum(column: "partial", low: low, high: high), .mean(column: "partial", low: low, high: high)], [nil, 3, 4]),
            ([.count, .sum(column: "complete", low: low, high: high)], [nil, 5]),
            ([.count, .sum(column: "partial", low: low, high: high)], [8, 6]),
        ] + (median ? [([.count, .quantile(column: "complete", q: 0.5, low: low, high: high)], [nil, 7])] : [])
        // Bounding keeps every record (one per person, within G and R), so it runs once per output;
        // each trial draws the noise (``AggregateEngine/release(_:sampler:nonNegative:)``) afresh.
        let bounded = try outputs.map { output throws(DPError) in
            try AggregateEngine.bound(input, statistics: output.statistics, keys: .publicKeys, bounds: bounds,
                                      budget: budget, sampler: sampler)
        }
        let forecasts = try outputs.map { output throws(DPError) in
            try AccuracyForecast(statistics: output.statistics, keys: .publicKeys, bounds: bounds, budget: budget, complete: input.complete)
        }
        // A quantile's rank forecast reads the mechanism's exact law: once per output and group size.
        var rankForecasts: [[Int: Double]] = Array(repeating: [:], count: outputs.count)
        func rankForecast(_ output: Int, _ size: Int, _ predicted: AccuracyForecast.Statistic) -> Double {
            if let known = rankForecasts[output][size] { return known }
            let value = predicted.rankForecast.map { $0(size) } ?? predicted.margin
            rankForecasts[output][size] = value
            return value
        }
        for _ in 0..<trials {
            for (outputIndex, ((output, bounded), forecast)) in zip(zip(outputs, bounded), forecasts).enumerated() {
                let result = AggregateEngine.release(bounded, sampler: sampler)
                for (group, row) in result.rows.enumerated() {
                    for (index, kind) in output.kinds.enumerated() {
                        guard let kind else { continue }
                        let value = row.values[index], margin = row.margins[index]
                        let error: Double
                        if kind == 7 {
                            // Ranks: how many more records lie on one side of the value than a median allows.
                            let values = exact.sortedComplete[group]
                            let below = Double(values.prefix { Double($0) < value }.count)
                            let above = Double(values.count) - Double(values.prefix { Double($0) <= value }.count)
                            error = max(0, below - Double(values.count) / 2, above - Double(values.count) / 2)
                        } else {
                            error = abs(value - exact.values[kind][group])
                        }
                        let predicted = forecast.statistics[index]
                        let size = Int(kind == 4 ? exact.partialCounts[group] : exact.values[0][group])
                        kinds[kind].forecasts.append(kind == 7 ? rankForecast(outputIndex, size, predicted)
                                                     : predicted.meanMargin.map { $0(size) } ?? predicted.margin)
                        kinds[kind].values += 1
                        if error <= margin { kinds[kind].covered += 1 }
                        kinds[kind].margins.append(margin)
                        kinds[kind].errors.append(error)
                    }
                }
            }
        }
        return kinds
    }

    /// Per kind (as ``run(trials:sampler:)`` numbers them) the exact value of each group, and
    /// each group's sorted complete values.
    func exactValues() -> (values: [[Double]], sortedComplete: [[Int]], partialCounts: [Double]) {
        let groups = input.groupKeys.count
        var counts = [Double](repeating: 0, count: groups)
        var sums = counts, partialSums = counts, partialCounts = counts
        var sorted = [[Int]](repeating: [], count: groups)
        let complete = input.measures["complete"] ?? [], partial = input.measures["partial"] ?? []
        for row in 0..<input.rowCount {
            let group = Int(input.groups[row])
            counts[group] += 1
            sums[group] += complete[row] ?? 0
            sorted[group].append(Int(complete[row] ?? 0))
            if let value = partial[row] { partialSums[group] += value; partialCounts[group] += 1 }
        }
        let means = zip(sums, counts).map { $0 / $1 }, partialMeans = zip(partialSums, partialCounts).map { $0 / $1 }
        return ([counts, sums, means, partialSums, partialMeans, sums, partialSums, [], counts], sorted.map { $0.sorted() }, partialCounts)
    }
}
