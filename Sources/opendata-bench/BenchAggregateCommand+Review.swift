import DifferentialPrivacy
import Foundation
import Tabular

/// The outside review's query for `opendata bench aggregate --query review`.
///
/// Data (seed 11): persons one after another until there are `rows` rows; each person picks 1 to
/// 3 different groups among 200 public groups, group g with probability ∝ 1/(g + 1) (Zipf-like
/// sizes: the largest group holds about 17% of the rows, the smallest about 0.1%), and brings 1
/// or 2 rows to each; a row's value is an integer duration on [0, 3600], exponential with a mean
/// of 300 + 3g seconds, clamped at 3600. The last person may be cut short. Every person is thus
/// within the query's bounds (3 groups, 2 rows per group) and every value within [0, 3600]:
/// bounding drops nothing, clamping changes nothing, and every tool's exact answer is the same.
///
/// Query: per group a count, the sum and the mean of the value on [0, 3600] and its 90th
/// percentile, ε = 1 in total, public keys, the value column declared never missing (a policy's
/// `missing: refuse`). The engine then runs three mechanisms: the count, the mean's normalised
/// sum Σ(2x − 3600), which with the count gives both the mean and the sum, and the quantile.
/// No share goes to the disclosure of left-out records (``AggregateEngine/run``'s default 0).
///
/// Exact values: the count, the sum, the mean, and the 90th percentile interpolated linearly
/// between the values of rank ⌊0.9(n − 1)⌋ and the next (numpy's default, which
/// `Benchmarks/peers.py` uses to score the peers).
extension BenchAggregateCommand {
    static let reviewGroups = 200
    static let reviewHigh = 3600
    static let reviewGroupsPerPerson = 3
    static let reviewRowsPerGroup = 2

    /// The review's rows: person, group and value of each row.
    struct ReviewRows {
        var persons: [Int32]
        var groups: [Int32]
        var values: [Int]
        /// How many persons the rows hold.
        var personCount: Int
    }

    /// Generates `rows` rows of the review's data (see the extension's description).
    static func reviewRows(_ rows: Int) -> ReviewRows {
        var generator = SeededGenerator(seed: 11)
        // Cumulative Zipf weights, for drawing a group by binary search.
        var cumulative = [Double](), total = 0.0
        for group in 0..<reviewGroups {
            total += 1 / Double(group + 1)
            cumulative.append(total)
        }
        func zipfGroup() -> Int {
            let target = generator.unit() * total
            var low = 0, high = reviewGroups - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            return low
        }
        var result = ReviewRows(persons: [], groups: [], values: [], personCount: 0)
        result.persons.reserveCapacity(rows)
        result.groups.reserveCapacity(rows)
        result.values.reserveCapacity(rows)
        while result.values.count < rows {
            let person = Int32(truncatingIfNeeded: result.personCount)
            result.personCount += 1
            var chosen: [Int] = []
            let groupCount = 1 + Int(generator.next() % UInt64(reviewGroupsPerPerson))
            while chosen.count < groupCount {
                let group = zipfGroup()
                if !chosen.contains(group) { chosen.append(group) }
            }
            for group in chosen {
                let rowCount = 1 + Int(generator.next() % UInt64(reviewRowsPerGroup))
                for _ in 0..<rowCount where result.values.count < rows {
                    let meanSeconds = 300 + 3 * Double(group)
                    let value = min(reviewHigh, Int(-meanSeconds * log(1 - generator.unit())))
                    result.persons.append(person)
                    result.groups.append(Int32(group))
                    result.values.append(value)
                }
            }
        }
        return result
    }

    /// The exact count, sum, mean and 90th percentile (numpy's linear interpolation) of each group.
    static func reviewTruth(_ data: ReviewRows) -> [[Double]] {
        var histograms = [[Int]](repeating: [Int](repeating: 0, count: reviewHigh + 1), count: reviewGroups)
        var counts = [Int](repeating: 0, count: reviewGroups), sums = [Int](repeating: 0, count: reviewGroups)
        for row in data.values.indices {
            let group = Int(data.groups[row])
            histograms[group][data.values[row]] += 1
            counts[group] += 1
            sums[group] += data.values[row]
        }
        return (0..<reviewGroups).map { group -> [Double] in
            let count = counts[group]
            guard count > 0 else { return [0, 0, 0, 0] }
            func value(atRank rank: Int) -> Double {
                var seen = 0
                for (value, frequency) in histograms[group].enumerated() {
                    seen += frequency
                    if seen > rank { return Double(value) }
                }
                return Double(reviewHigh)
            }
            let position = 0.9 * Double(count - 1), below = Int(position.rounded(.down))
            let lower = value(atRank: below), upper = value(atRank: min(below + 1, count - 1))
            let p90 = lower + (position - Double(below)) * (upper - lower)
            return [Double(count), Double(sums[group]), Double(sums[group]) / Double(count), p90]
        }
    }

    /// Runs the review's query --trials times: time, peak memory and mean absolute errors.
    func runReview() throws {
        let generated = Self.reviewRows(rows)
        if let path = data {
            try writeRows(to: path, units: generated.persons, groups: generated.groups, values: generated.values.map { Double($0) })
        }
        let truth = Self.reviewTruth(generated)
        let input = AggregateInput(rowCount: rows, units: generated.persons, groups: generated.groups,
                                   groupKeys: (0..<Self.reviewGroups).map { ["\($0)"] },
                                   measures: ["value": MeasureColumn(codes: generated.values.map { Int32($0) },
                                                                      values: (0...Self.reviewHigh).map { Double($0) })],
                                   complete: ["value"])
        let statistics: [AggregateStatistic] = [.count, .sum(column: "value", low: 0, high: Self.reviewHigh),
                                                .mean(column: "value", low: 0, high: Self.reviewHigh),
                                                .quantile(column: "value", q: 0.9, low: 0, high: Self.reviewHigh)]
        let bounds = ContributionBounds(groupsPerUnit: Self.reviewGroupsPerPerson, rowsPerUnitPerGroup: Self.reviewRowsPerGroup)
        let budget = AggregateBudget.epsilon(1, delta: nil)
        let weights = try budgetWeights
        let split = try BudgetSplit(budget: budget, statistics: statistics, keys: .publicKeys, weights: weights,
                                    complete: input.complete)
        let sampler = ExactSampler(random: try SystemRandom())
        var errors = [Double](repeating: 0, count: statistics.count), seconds = 0.0, kept = 0
        var published = "trial,group,count,sum,mean,p90\n"
        for trial in 1...trials {
            let started = Date()
            // AggregateEngine.run: disclosure share 0, the whole ε for the statistics (like the peers).
            let result = try AggregateEngine.run(input, statistics: statistics, keys: .publicKeys, bounds: bounds,
                                                 budget: budget, weights: weights, sampler: sampler)
            seconds += Date().timeIntervalSince(started)
            kept = result.rowsAfterBounding
            for row in result.rows {
                guard let key = row.key.first, let group = Int(key), truth.indices.contains(group) else { continue }
                for index in statistics.indices { errors[index] += abs(row.values[index] - truth[group][index]) }
                published += "\(trial),\(group)," + row.values.map { "\($0)" }.joined(separator: ",") + "\n"
            }
        }
        if let results { try Data(published.utf8).write(to: URL(fileURLWithPath: results)) }
        let mae = errors.map { $0 / Double(trials * Self.reviewGroups) }
        // The first line's format is the peers query's: Benchmarks/peers.py reads the time and memory from it.
        print(String(format: "%d rows (%d persons, %d groups) → %d rows after bounding; %.2f s per run (%.1f million rows/s); peak resident memory %.0f MB",
                     rows, generated.personCount, Self.reviewGroups, kept, seconds / Double(trials),
                     Double(rows) * Double(trials) / seconds / 1e6, peakMemoryMegabytes()))
        let mechanisms = split.main.indices.compactMap { index -> String? in
            split.sumForms[index].meanIndex == nil ? "\(statistics[index].name) ε \(String(format: "%.4f", split.main[index].doubleValue))" : nil
        }
        let pooling = split.pooledShare.map {
            "count and mean_value pooled into two bin sums Σ(x − L), Σ(H − x) at ε \(String(format: "%.4f", $0.doubleValue)); "
        } ?? ""
        print("mechanisms: \(mechanisms.joined(separator: ", ")) (\(pooling)sum_value from the mean's noisy sums and the count; "
              + "mean_value divides by the count: \(split.reusesCount[2])); disclosure share 0")
        print(String(format: "mean absolute error over %d trial%@: count %.2f, sum %.1f, mean %.3f, p90 %.2f", trials, trials == 1 ? "" : "s",
                     mae[0], mae[1], mae[2], mae[3]))
    }
}
