import ArgumentParser
import DifferentialPrivacy
import Foundation
import Tabular
import OperationalStore

/// `opendata bench aggregate`: the DP aggregation engine on the peer benchmark's query,
/// timed and scored against the exact answers.
struct BenchAggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "DP statistics per group on a peer benchmark's query: time, peak memory and error against the exact values.",
        discussion: """
            --query peers (the default): DP count, mean and median per group. The data (seed 7): \
            --rows rows, two per unit in two different groups of 35 public groups, values uniform \
            on 0…7199. Query: each unit bounded to 2 groups and 1 row per group, ε = 1 over count, \
            mean and median on [0, 7200], the value column declared never missing (so the mean \
            divides by the published count), default weights unless --weights. The rows are \
            within the bounds, so bounding drops none and every tool's exact answer is the same: the \
            error measured is the mechanisms' noise alone, the mean absolute error over the 35 groups \
            averaged over --trials runs. --data writes the rows as CSV (unit,group,value) and --results every \
            trial's published values, for Benchmarks/peers.py, which runs OpenDP, PipelineDP and \
            Tumult Analytics on the same rows.

            --query review: the outside review's query, a count, sum, mean and 90th percentile per \
            group of 200 public groups with Zipf-like sizes, persons bounded to 3 groups and 2 rows \
            per group, values on [0, 3600] (see BenchAggregateCommand+Review.swift); --results then \
            holds trial,group,count,sum,mean,p90.

            Both queries call AggregateEngine.run, which spends no share of ε on the disclosure of \
            left-out records (a policy's person-level output gives it 10%): the whole ε goes to the \
            statistics, as it does in the peers.

            Example:
              opendata bench aggregate --rows 10000000
              opendata bench aggregate --rows 1000000 --trials 20 --data /tmp/rows.csv --results /tmp/opendata.csv
              opendata bench aggregate --query review --rows 1000000 --trials 10
            """
    )

    /// The benchmark queries: the project's own and the outside review's.
    enum Query: String, ExpressibleByArgument, CaseIterable {
        case peers, review
    }

    @Option(help: "Query: peers (count, mean, median over 35 groups) or review (count, sum, mean, p90 over 200 groups).")
    var query = Query.peers

    @Option(help: "Rows to aggregate.")
    var rows = 10_000_000

    @Option(help: "Independent noisy runs to average the error over.")
    var trials = 1

    @Option(help: "Write the generated rows here as CSV (unit,group,value).")
    var data: String?

    @Option(help: "Write each trial's published values here as CSV (trial,group, then one column per statistic).")
    var results: String?

    @Option(help: "Budget weights, one per statistic, comma-separated (default: the engine's, which minimise the total relative error).")
    var weights: String?

    /// The parsed --weights, nil for the engine's defaults.
    var budgetWeights: [Double]? {
        get throws {
            guard let weights else { return nil }
            let parsed = weights.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.allSatisfy({ $0 != nil }) else { throw ValidationError("--weights must be numbers separated by commas") }
            return parsed.compactMap { $0 }
        }
    }

    static let groups = 35
    static let high = 7200

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
    }

    func run() throws {
        switch query {
        case .peers: try runPeers()
        case .review: try runReview()
        }
    }

    /// The project's peer query: count, mean and median over 35 groups.
    func runPeers() throws {
        var generator = SeededGenerator(seed: 7)
        let units = (rows + 1) / 2
        var unitOf = [Int32](repeating: 0, count: rows), groupOf = [Int32](repeating: 0, count: rows)
        var values = [Double?](repeating: nil, count: rows)
        // Exact answers over all rows: counts, sums and a histogram per group for the median.
        var histogram = [[Int]](repeating: [Int](repeating: 0, count: Self.high), count: Self.groups)
        var sums = [Int](repeating: 0, count: Self.groups)
        for row in 0..<rows {
            // A unit's two rows fall in two different groups.
            unitOf[row] = Int32(truncatingIfNeeded: row / 2)
            let first = row % 2 == 0 ? nil : Int(groupOf[row - 1])
            var group = Int(generator.next() % UInt64(first == nil ? Self.groups : Self.groups - 1))
            if let first, group >= first { group += 1 }
            groupOf[row] = Int32(group)
            let value = Int(generator.next() % UInt64(Self.high))
            values[row] = Double(value)
            histogram[Int(groupOf[row])][value] += 1
            sums[Int(groupOf[row])] += value
        }
        if let data { try writeRows(to: data, units: unitOf, groups: groupOf, values: values) }
        let truth = (0..<Self.groups).map { group -> (count: Double, mean: Double, median: Double) in
            let count = histogram[group].reduce(0, +)
            return (Double(count), count > 0 ? Double(sums[group]) / Double(count) : 0, Self.median(histogram[group], count: count))
        }

        let input = AggregateInput(rowCount: rows, units: unitOf, groups: groupOf, groupKeys: (0..<Self.groups).map { ["\($0)"] },
                                   measures: ["value": MeasureColumn(values)], complete: ["value"])
        let statistics: [AggregateStatistic] = [.count, .mean(column: "value", low: 0, high: Self.high),
                                                .quantile(column: "value", q: 0.5, low: 0, high: Self.high)]
        let weights = try budgetWeights
        let sampler = ExactSampler(random: try SystemRandom())
        var errors = [0.0, 0.0, 0.0], seconds = 0.0, kept = 0
        var published = "trial,group,count,mean,median\n"
        for trial in 1...trials {
            let started = Date()
            let result = try AggregateEngine.run(input, statistics: statistics, keys: .publicKeys,
                                                 bounds: ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1),
                                                 budget: .epsilon(1, delta: nil), weights: weights, sampler: sampler)
            seconds += Date().timeIntervalSince(started)
            kept = result.rowsAfterBounding
            for row in result.rows {
                guard let group = Int(row.key[0]) else { continue }
                let exact = truth[group]
                errors[0] += abs(row.values[0] - exact.count)
                errors[1] += abs(row.values[1] - exact.mean)
                errors[2] += abs(row.values[2] - exact.median)
                published += "\(trial),\(group),\(row.values[0]),\(row.values[1]),\(row.values[2])\n"
            }
        }
        if let results { try Data(published.utf8).write(to: URL(fileURLWithPath: results)) }
        let mae = errors.map { $0 / Double(trials * Self.groups) }
        print(String(format: "%d rows (%d units, %d groups) → %d rows after bounding; %.2f s per run (%.1f million rows/s); peak resident memory %.0f MB",
                     rows, units, Self.groups, kept, seconds / Double(trials), Double(rows) * Double(trials) / seconds / 1e6, peakMemoryMegabytes()))
        print(String(format: "mean absolute error over %d trial%@: count %.2f, mean %.3f, median %.3f", trials, trials == 1 ? "" : "s",
                     mae[0], mae[1], mae[2]))
    }

    /// The median of a histogram over 0…high − 1: the middle value, or the average of the two middle ones.
    static func median(_ histogram: [Int], count: Int) -> Double {
        guard count > 0 else { return 0 }
        func value(atRank rank: Int) -> Int {
            var seen = 0
            for (value, frequency) in histogram.enumerated() {
                seen += frequency
                if seen > rank { return value }
            }
            return histogram.count - 1
        }
        return count % 2 == 1 ? Double(value(atRank: count / 2)) : Double(value(atRank: count / 2 - 1) + value(atRank: count / 2)) / 2
    }

    /// Writes the rows as CSV, `unit,group,value`, values as integers.
    func writeRows(to path: String, units: [Int32], groups: [Int32], values: [Double?]) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write \(path)")
        }
        defer { try? handle.close() }
        var buffer = "unit,group,value\n"
        for row in units.indices {
            buffer += "\(units[row]),\(groups[row]),\(Int(values[row] ?? 0))\n"
            if buffer.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }
}
