import Foundation
import Testing
@testable import DifferentialPrivacy

@Suite struct AggregateEngineTests {
    /// Random rows: units with repeat rows across groups, and a measured column.
    static func dataset(seed: UInt64, units: Int, rows: Int, groups: Int) -> AggregateInput {
        let random = SeededRandom(seed: seed)
        var unitOf: [Int32] = [], groupOf: [Int32] = [], values: [Double?] = []
        for _ in 0..<rows {
            unitOf.append(Int32(random.nextWord() % UInt64(units)))
            groupOf.append(Int32(random.nextWord() % UInt64(groups)))
            values.append(Double(Int(random.nextWord() % 12_000)) - 1000)
        }
        return AggregateInput(rowCount: rows, units: unitOf, groups: groupOf, groupKeys: (0..<groups).map { ["g\($0)"] },
                              measures: ["seconds": MeasureColumn(values)])
    }

    /// The same dataset plus one unit (the largest id, so the others' random choices are unchanged) with `extra` rows.
    static func neighbour(of input: AggregateInput, extra: Int, seed: UInt64) -> AggregateInput {
        var result = input
        let random = SeededRandom(seed: seed)
        let newUnit = Int32((input.units ?? []).max() ?? 0) + 1
        var seconds = input.measures["seconds"]?.perRow ?? []
        for _ in 0..<extra {
            result.units?.append(newUnit)
            result.groups.append(Int32(random.nextWord() % UInt64(input.groupKeys.count)))
            seconds.append(Double(Int(random.nextWord() % 9000)))
        }
        result.measures["seconds"] = MeasureColumn(seconds)
        result.rowCount += extra
        return result
    }

    /// Exact per-group count and clamped sum after bounding.
    static func exact(_ input: AggregateInput, bounds: ContributionBounds, seed: UInt64, low: Int, high: Int) -> ([Int], [Int]) {
        let kept = ContributionBounder.bound(units: input.units, groups: input.groups, bounds: bounds,
                                             sampler: ExactSampler(random: SeededRandom(seed: seed)))
        var counts = [Int](repeating: 0, count: input.groupKeys.count), sums = counts
        let values = input.measures["seconds"] ?? []
        for row in kept.map({ Int($0) }) {
            counts[Int(input.groups[row])] += 1
            if let value = values[row] { sums[Int(input.groups[row])] += AggregateEngine.clampInteger(value, low, high) }
        }
        return (counts, sums)
    }

    @Test(arguments: [(1, 1), (2, 1), (3, 2)])
    func boundingLimitsWhatOneUnitCanChange(_ limits: (Int, Int)) {
        let bounds = ContributionBounds(groupsPerUnit: limits.0, rowsPerUnitPerGroup: limits.1)
        for trial in 0..<40 {
            let d = Self.dataset(seed: UInt64(trial), units: 30, rows: 300, groups: 8)
            let dPrime = Self.neighbour(of: d, extra: 40, seed: UInt64(trial) + 1000)
            let (c, s) = Self.exact(d, bounds: bounds, seed: 7, low: 0, high: 7200)
            let (c2, s2) = Self.exact(dPrime, bounds: bounds, seed: 7, low: 0, high: 7200)
            let countL1 = zip(c, c2).map { abs($0 - $1) }.reduce(0, +)
            let sumL1 = zip(s, s2).map { abs($0 - $1) }.reduce(0, +)
            let changedGroups = zip(c, c2).filter { $0 != $1 }.count
            #expect(countL1 <= bounds.groupsPerUnit * bounds.rowsPerUnitPerGroup)
            #expect(changedGroups <= bounds.groupsPerUnit)
            #expect(zip(c, c2).allSatisfy { abs($0 - $1) <= bounds.rowsPerUnitPerGroup })
            #expect(sumL1 <= bounds.groupsPerUnit * bounds.rowsPerUnitPerGroup * 7200)
            // The mean's centred, doubled sum: |2x − (L + H)| ≤ H − L per row, so its L1 change is at most G·R·(H − L).
            var centred = 0
            for g in c.indices {
                let before = 2 * s[g] - 7200 * c[g]
                let after = 2 * s2[g] - 7200 * c2[g]
                centred += abs(before - after)
            }
            #expect(centred <= bounds.groupsPerUnit * bounds.rowsPerUnitPerGroup * 7200)
        }
    }

    /// The bounding as one pass over the units in order (the algorithm before units within the
    /// bounds were sorted out on every core), kept here as the reference.
    static func onePassBound(units: [Int32], groups: [Int32], bounds: ContributionBounds, sampler: ExactSampler) -> [Int] {
        let unitRows = UnitRows(units: units)
        var keep = [Bool](repeating: false, count: groups.count)
        for unit in 0..<(unitRows.start.count - 1) {
            let eligible = (Int(unitRows.start[unit])..<Int(unitRows.start[unit + 1])).map { Int(unitRows.rows[$0]) }.filter { groups[$0] >= 0 }
            if eligible.count <= 1 {
                if let row = eligible.first { keep[row] = true }
                continue
            }
            let pairs = eligible.map { (group: groups[$0], row: $0) }.sorted { $0.group != $1.group ? $0.group < $1.group : $0.row < $1.row }
            let starts = pairs.indices.filter { $0 == 0 || pairs[$0].group != pairs[$0 - 1].group }
            var chosen = Array(starts.indices)
            ContributionBounder.shuffleFront(&chosen, keeping: bounds.groupsPerUnit, sampler)
            for g in chosen.prefix(bounds.groupsPerUnit) {
                var rows = (starts[g]..<(g + 1 < starts.count ? starts[g + 1] : pairs.count)).map { pairs[$0].row }
                ContributionBounder.shuffleFront(&rows, keeping: bounds.rowsPerUnitPerGroup, sampler)
                for row in rows.prefix(bounds.rowsPerUnitPerGroup) { keep[row] = true }
            }
        }
        return keep.indices.filter { keep[$0] }
    }

    /// The rows grouped by unit on two cores are each unit's rows in row order, the units in code
    /// order: what one sequential counting sort gives, for tables large enough to be split.
    @Test func unitRowsGroupEachUnitsRowsInRowOrder() {
        let random = SeededRandom(seed: 3)
        for (rows, unitCount) in [(300_000, 1_000), (400_001, 200_000), (10, 3)] {
            let units = (0..<rows).map { _ in Int32(random.nextWord() % UInt64(unitCount)) }
            let grouped = UnitRows(units: units)
            var expected = [[Int32]](repeating: [], count: Int(units.max() ?? -1) + 1)
            for (row, unit) in units.enumerated() { expected[Int(unit)].append(Int32(row)) }
            // Compared as Booleans: a failure reports at once, not as a diff of 400,000 rows.
            let rowsMatch = grouped.rows.elementsEqual(expected.joined())
            let startsMatch = grouped.start.elementsEqual([0] + expected.reduce(into: [Int32]()) { $0.append(($0.last ?? 0) + Int32($1.count)) })
            #expect(rowsMatch, "\(rows) rows of \(unitCount) units")
            #expect(startsMatch, "\(rows) rows of \(unitCount) units")
        }
    }

    /// Sorting out the units within the bounds on every core changes nothing: the same rows are
    /// kept as by one pass over the units, with the same seeded draws, whatever the core count.
    @Test func boundingOnEveryCoreEqualsOnePass() {
        // 300,000 units (enough to be split), most within the bounds, some over them, rows outside the keys;
        // units of up to eight rows (checked in place) and of more (sorted), a third of them with their
        // rows in few groups (several rows in one group).
        let random = SeededRandom(seed: 5)
        var units: [Int32] = [], groups: [Int32] = []
        for unit in 0..<300_000 {
            let rows = switch unit % 10 {
            case 0: 6
            case 1: 8
            case 2: 9 + unit % 5
            default: 1 + Int(random.nextWord() % 3)
            }
            let spread: UInt64 = unit % 3 == 0 ? 3 : 40
            for _ in 0..<rows {
                units.append(Int32(unit))
                groups.append(Int32(random.nextWord() % spread) - (random.nextWord() % 50 == 0 ? 41 : 0))
            }
        }
        // Rows of a unit are not consecutive in a table: shuffle them (seeded).
        for i in stride(from: units.count - 1, to: 0, by: -1) {
            let j = Int(random.nextWord() % UInt64(i + 1))
            units.swapAt(i, j)
            groups.swapAt(i, j)
        }
        for bounds in [ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1), ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 2),
                       ContributionBounds(groupsPerUnit: 3, rowsPerUnitPerGroup: 2), ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 3)] {
            let reference = Self.onePassBound(units: units, groups: groups, bounds: bounds, sampler: ExactSampler(random: SeededRandom(seed: 9)))
            let kept = ContributionBounder.bound(units: units, groups: groups, bounds: bounds, sampler: ExactSampler(random: SeededRandom(seed: 9)))
            // Compared as a count of differences: a failure then reports in an instant, not a diff of a million rows.
            #expect(kept.count == reference.count)
            #expect(zip(kept, reference).filter { Int($0) != $1 }.count == 0, "bounds \(bounds)")
        }
    }

    @Test func boundingKeepsAtMostTheLimitsAndChoosesAtRandom() {
        // One unit with rows in 10 groups: which 2 survive must vary with the randomness.
        let input = AggregateInput(rowCount: 10, units: Array(repeating: 0, count: 10), groups: (0..<10).map { Int32($0) },
                                   groupKeys: (0..<10).map { ["\($0)"] }, measures: [:])
        var seen: Set<[Int32]> = []
        for seed in 0..<50 {
            let kept = ContributionBounder.bound(units: input.units, groups: input.groups,
                                                 bounds: ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1),
                                                 sampler: ExactSampler(random: SeededRandom(seed: UInt64(seed))))
            #expect(kept.count == 2)
            seen.insert(kept)
        }
        #expect(seen.count > 10, "not first-come: the kept groups vary")
    }

    /// The forecast is the engine's own arithmetic: the margins it predicts before any data are
    /// those the engine publishes (counts, sums, quantile ranks exactly; a mean's per-row bound
    /// at each row's noisy size), for ε and ρ budgets, public and private keys.
    @Test func theForecastIsWhatTheEnginePublishes() throws {
        let input = Self.dataset(seed: 5, units: 400, rows: 20_000, groups: 6)
        let statistics: [AggregateStatistic] = [.count, .sum(column: "seconds", low: -1000, high: 7200),
                                                .mean(column: "seconds", low: 0, high: 7200),
                                                .quantile(column: "seconds", q: 0.5, low: 0, high: 7200)]
        for (budget, keys) in [(AggregateBudget.epsilon(2, delta: 1e-6), KeySelection.publicKeys), (.rho(0.3, delta: 1e-6), .privateKeys)] {
            let bounds = ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 3)
            let forecast = try AccuracyForecast(statistics: statistics, keys: keys, bounds: bounds, budget: budget)
            let result = try AggregateEngine.run(input, statistics: statistics, keys: keys, bounds: bounds, budget: budget,
                                                 sampler: ExactSampler(random: SeededRandom(seed: 2)))
            #expect(forecast.statistics.map(\.name) == result.statistics)
            for index in [0, 1, 3] {
                #expect(result.rows.allSatisfy { $0.margins[index] == forecast.statistics[index].margin },
                        "\(result.statistics[index]): forecast \(forecast.statistics[index].margin), published \(result.rows.first?.margins[index] ?? -1)")
            }
            // A mean's published bound is the forecast at its own noisy size (a half-share count, not the published one):
            // both noisy sizes are far within six count margins of the true size.
            let mean = try #require(forecast.statistics[2].meanMargin)
            let countMargin = forecast.statistics[0].margin
            for row in result.rows {
                let n = Int(row.values[0])
                let low = mean(n + 6 * Int(countMargin)), high = mean(max(n - 6 * Int(countMargin), 1))
                #expect(row.margins[2] >= low - 1e-9 && row.margins[2] <= high + 1e-9, "mean margin \(row.margins[2]) outside [\(low), \(high)] for n ≈ \(n)")
            }
            // Groups at or below the range size get the whole range.
            let size = try #require(forecast.statistics[2].rangeGroupSize)
            #expect(mean(size) == 7200 && mean(size + 1) < 7200)
        }
    }

    /// A mean over a column promised complete divides its noisy sum by the published noisy count,
    /// and a kept row without a value stops the output instead of publishing a wrong mean.
    @Test func aCompleteMeanDividesByThePublishedCount() throws {
        var input = Self.dataset(seed: 8, units: 300, rows: 3_000, groups: 4)
        input.complete = ["seconds"]
        let bounds = ContributionBounds(groupsPerUnit: 4, rowsPerUnitPerGroup: 3)
        // Weights make the count noisy (scale 30) and the sum nearly exact (scale 3,000 on a centred
        // sum of millions), so the published mean times the published count gives back the exact centred
        // sum only if the mean divided by that very count; its own count would be off by tens of records, worth 10⁵ or more.
        let result = try AggregateEngine.run(input, statistics: [.count, .mean(column: "seconds", low: 0, high: 20_000)], keys: .publicKeys,
                                             bounds: bounds, budget: .epsilon(40, delta: nil), weights: [1, 100],
                                             sampler: ExactSampler(random: SeededRandom(seed: 3)), nonNegative: false, pool: false)
        #expect(result.noise[0].distribution == .discreteLaplace(scale: 30.3), "count share 40/101, Δ = G·R = 12")
        let (counts, sums) = Self.exact(input, bounds: bounds, seed: 3, low: 0, high: 20_000)
        for ((row, sum), count) in zip(zip(result.rows, sums), counts) {
            let centred = Double(sum) - 10_000 * Double(count)
            let implied = (row.values[1] - 10_000) * row.values[0]
            #expect(abs(implied - centred) < 20_000, "(mean − centre) × published count \(implied) vs exact centred sum \(centred)")
        }
        var seconds = input.measures["seconds"]?.perRow ?? []
        seconds[17] = nil
        input.measures["seconds"] = MeasureColumn(seconds)
        #expect(throws: DPError.self) {
            try AggregateEngine.run(input, statistics: [.count, .mean(column: "seconds", low: 0, high: 100_000)], keys: .publicKeys,
                                    bounds: ContributionBounds(groupsPerUnit: 4, rowsPerUnitPerGroup: 3_000), budget: .epsilon(1, delta: nil),
                                    sampler: ExactSampler(random: SeededRandom(seed: 3)))
        }
    }

    @Test func noiseScalesFollowTheSensitivities() throws {
        let input = Self.dataset(seed: 3, units: 50, rows: 500, groups: 5)
        let result = try AggregateEngine.run(input, statistics: [.count, .sum(column: "seconds", low: 0, high: 7200),
                                                                 .mean(column: "seconds", low: 0, high: 7200)],
                                             keys: .publicKeys, bounds: ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1),
                                             budget: .epsilon(1.5, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 1)))
        // The sum is published from the mean's normalised sum and its own count, so ε = 1.5 goes to three
        // mechanisms of 0.5: the count (Δ = G·R = 2, scale 4), the mean's doubled centred sum (Δ = 2·7200,
        // scale 28,800) and the mean's own count. The sum spends nothing and reports the mean's sum noise.
        #expect(result.noise[0].distribution == .discreteLaplace(scale: 4))
        #expect(result.noise[1].distribution == .discreteLaplace(scale: 28_800))
        #expect(result.noise[2].distribution == .discreteLaplace(scale: 28_800))
        #expect(result.noise.map(\.share) == [0.5, 0, 1])
        #expect(result.rows.count == 5, "public keys: every group is published")
        #expect(result.epsilon == 1.5)
        // With the column declared complete, the mean divides by the published count, and under ε the count and
        // the mean are one pooled mechanism at 0.75 + 0.75: two bin sums with Δ = G·R·W = 14,400, scale 9,600.
        var complete = input
        complete.complete = ["seconds"]
        let reusing = try AggregateEngine.run(complete, statistics: [.count, .sum(column: "seconds", low: 0, high: 7200),
                                                                     .mean(column: "seconds", low: 0, high: 7200)],
                                              keys: .publicKeys, bounds: ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1),
                                              budget: .epsilon(1.5, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 1)))
        #expect(reusing.noise.map(\.distribution) == [.discreteLaplace(scale: 9_600), .discreteLaplace(scale: 9_600), .discreteLaplace(scale: 9_600)])
        #expect(reusing.noise[0].pooledWidth == 7200)
        #expect(reusing.noise.map(\.share) == [0.75, 0, 0.75])
        // A sum alone over a complete column is a normalised sum beside the count (Δ = 7200 in doubled units);
        // over a column that may be missing it is a plain sum (Δ = G·max(|L|, |H|) = 14,400).
        for (columns, scale) in [(Set(["seconds"]), 19_200.0), ([], 19_200.0)] {
            var data = input
            data.complete = columns
            let sums = try AggregateEngine.run(data, statistics: [.count, .sum(column: "seconds", low: 0, high: 7200)],
                                               keys: .publicKeys, bounds: ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1),
                                               budget: .epsilon(1.5, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 1)))
            #expect(sums.noise.map(\.distribution) == [.discreteLaplace(scale: 2 / 0.75), .discreteLaplace(scale: scale)])
            #expect(sums.noise[1].postProcessing.contains("normalised") == !columns.isEmpty)
        }
        let gaussian = try AggregateEngine.run(input, statistics: [.count], keys: .publicKeys,
                                               bounds: ContributionBounds(groupsPerUnit: 4, rowsPerUnitPerGroup: 1),
                                               budget: .rho(0.5, delta: 1e-6), sampler: ExactSampler(random: SeededRandom(seed: 1)))
        // σ² = Δ₂²/(2ρ) = (√4)²/(2·0.5) = 4.
        #expect(gaussian.noise[0].distribution == .discreteGaussian(sigmaSquared: 4))
        #expect(abs(gaussian.epsilon - (0.5 + 2 * (0.5 * log(1e6)).squareRoot())) < 1e-12)
    }

    @Test func marginsCoverAtLeastNinetyFivePercent() throws {
        // Record-level counts of known size; the published margin must cover the error ≥ 95% of the time.
        let groups = 400
        let input = AggregateInput(rowCount: groups * 30, units: nil, groups: (0..<(groups * 30)).map { Int32($0 % groups) },
                                   groupKeys: (0..<groups).map { ["\($0)"] }, measures: [:])
        let result = try AggregateEngine.run(input, statistics: [.count], keys: .publicKeys, bounds: .recordLevel,
                                             budget: .epsilon(0.2, delta: nil), sampler: ExactSampler(random: try SystemRandom()),
                                             nonNegative: false)
        let covered = result.rows.filter { abs($0.values[0] - 30) <= $0.margins[0] }.count
        // Each group is covered with probability 0.955; at least 89% of 400 fails by chance with
        // probability 2·10⁻⁸, while a margin at half the true scale covers only about 78%.
        #expect(Double(covered) / Double(groups) >= 0.89, "\(covered) of \(groups) covered")
        #expect(result.rows.allSatisfy { $0.margins[0] == result.noise[0].margin })
    }

    @Test func privateKeysHideRarePartitions() throws {
        // 30 big partitions and 200 partitions of a single record: thresholding keeps the big ones only.
        var groups: [Int32] = []
        for g in 0..<30 { groups += Array(repeating: Int32(g), count: 200) }
        for g in 30..<230 { groups.append(Int32(g)) }
        let input = AggregateInput(rowCount: groups.count, units: nil, groups: groups, groupKeys: (0..<230).map { ["k\($0)"] },
                                   measures: [:])
        let result = try AggregateEngine.run(input, statistics: [.count], keys: .privateKeys, bounds: .recordLevel,
                                             budget: .epsilon(0.5, delta: 1e-7), sampler: ExactSampler(random: try SystemRandom()))
        let threshold = try #require(result.threshold)
        // Scale 2 (ε 0.5, Δ 1): P(Z ≥ k) = α^k/(1+α) ≤ 1e-7 with α = e^{-1/2} needs k ≥ 32, so τ = 1 + 32.
        #expect(threshold == 33)
        // Every large partition, and at most one of the 200 one-record ones (each passes τ with
        // probability 7·10⁻⁸; two or more, about 10⁻¹⁰).
        let published = Set(result.rows.map { $0.key[0] })
        #expect(Set((0..<30).map { "k\($0)" }).isSubset(of: published) && published.count <= 31, "\(published.count) published")
        #expect(throws: DPError.self) {
            try AggregateEngine.run(input, statistics: [.count], keys: .privateKeys, bounds: .recordLevel,
                                    budget: .epsilon(0.5, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 1)))
        }
    }

    @Test func quantilesLandNearTheTruth() throws {
        // 2,000 records per group uniformly 0…7199: the median should be near 3600.
        let groups = 3
        var groupOf: [Int32] = [], values: [Double?] = []
        for g in 0..<groups { for v in 0..<2000 { groupOf.append(Int32(g)); values.append(Double(v * 36 / 10)) } }
        let input = AggregateInput(rowCount: groupOf.count, units: nil, groups: groupOf, groupKeys: (0..<groups).map { ["\($0)"] },
                                   measures: ["seconds": MeasureColumn(values)])
        let result = try AggregateEngine.run(input, statistics: [.quantile(column: "seconds", q: 0.5, low: 0, high: 7200),
                                                                 .mean(column: "seconds", low: 0, high: 7200)],
                                             keys: .publicKeys, bounds: .recordLevel, budget: .epsilon(2, delta: nil),
                                             sampler: ExactSampler(random: try SystemRandom()))
        #expect(result.statistics == ["median_seconds", "mean_seconds"])
        for row in result.rows {
            #expect(abs(row.values[0] - 3600) < 300, "median \(row.values[0])")
            // Within 2.5 margins: by chance outside with probability 5·10⁻⁸ over the groups; a wrong divisor or
            // scale is off by thousands.
            #expect(abs(row.values[1] - 3598) < 2.5 * row.margins[1] + 1, "mean \(row.values[1]) ± \(row.margins[1])")
        }
    }

    /// A measure given as codes into its distinct values (as the planner passes a table column)
    /// releases exactly what the same values given row by row release: the same figures from the
    /// same draws, for every statistic, with missing values, values outside the bounds and values
    /// that are not finite.
    @Test(arguments: [UInt64(1), 2, 3]) func aCodedMeasureReleasesWhatPerRowValuesRelease(seed: UInt64) throws {
        let input = Self.dataset(seed: seed, units: 300, rows: 4_000, groups: 6)
        var perRow = input.measures["seconds"]?.perRow ?? []
        let random = SeededRandom(seed: seed + 100)
        // One value repeated on many rows (the first, so its code is 0) and values the bounds or the
        // conversion treat specially.
        let odd: [Double?] = [4_500, nil, -5_000, 1e19, .infinity, .nan]
        perRow[0] = 4_500
        for row in perRow.indices where random.nextWord() % 4 == 0 { perRow[row] = odd[Int(random.nextWord() % 6)] }
        // Dictionary-encoded in order of first appearance, as a table column is (NaN is its own value).
        var codes: [Int32] = [], distinct: [Double?] = [], seen: [UInt64: Int32] = [:]
        for value in perRow {
            guard let value else { codes.append(-1); continue }
            if let code = seen[value.bitPattern] { codes.append(code); continue }
            seen[value.bitPattern] = Int32(distinct.count)
            codes.append(Int32(distinct.count))
            distinct.append(value)
        }
        let coded = MeasureColumn(codes: codes, values: distinct)
        #expect(coded.perRow.elementsEqual(perRow) { ($0?.bitPattern) == ($1?.bitPattern) })
        // With the mean the sum is read from its normalised sum; alone it is a plain sum.
        for statistics: [AggregateStatistic] in [
            [.count, .sum(column: "seconds", low: 0, high: 9_000), .mean(column: "seconds", low: 0, high: 9_000),
             .quantile(column: "seconds", q: 0.5, low: 0, high: 9_000)],
            [.sum(column: "seconds", low: 0, high: 9_000), .quantile(column: "seconds", q: 0.9, low: 0, high: 9_000)],
        ] {
        func run(_ measure: MeasureColumn) throws -> AggregateResult {
            var changed = input
            changed.measures["seconds"] = measure
            return try AggregateEngine.run(changed, statistics: statistics, keys: .publicKeys,
                                           bounds: ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 3),
                                           budget: .epsilon(1, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: seed)))
        }
        let byRow = try run(MeasureColumn(perRow)), byCode = try run(coded)
        #expect(byRow.rows.count == byCode.rows.count)
        for (a, b) in zip(byRow.rows, byCode.rows) {
            #expect(a.key == b.key)
            #expect(a.values.elementsEqual(b.values) { $0.bitPattern == $1.bitPattern }, "\(a.values) against \(b.values)")
        }
        }
    }
}
