import Testing
@testable import DifferentialPrivacy

/// The count and a mean over a complete column, pooled into two noisy bin sums (``PooledSums``):
/// its sensitivity, when it applies, that its values are the exact ones at a negligible noise,
/// and that it is more accurate than the separate count and normalised sum it replaces.
@Suite struct PooledSumsTests {
    static let statistics: [AggregateStatistic] = [.count, .sum(column: "x", low: 0, high: 3600), .mean(column: "x", low: 0, high: 3600)]

    /// Rows within G = 3 groups and R = 2 rows per group for every unit, so bounding keeps them all
    /// and removing a unit is a neighbouring dataset; values partly outside the bounds (clamped).
    static func input(seed: UInt64, units: Int) -> AggregateInput {
        let random = SeededRandom(seed: seed)
        var unitOf: [Int32] = [], groupOf: [Int32] = [], values: [Double?] = []
        for unit in 0..<units {
            var groups = Set<Int>()
            for _ in 0..<(1 + Int(random.nextWord() % 3)) { groups.insert(Int(random.nextWord() % 8)) }
            for group in groups.sorted() {
                for _ in 0..<(1 + Int(random.nextWord() % 2)) {
                    unitOf.append(Int32(unit))
                    groupOf.append(Int32(group))
                    values.append(Double(Int(random.nextWord() % 4_400)) - 400)
                }
            }
        }
        return AggregateInput(rowCount: unitOf.count, units: unitOf, groups: groupOf, groupKeys: (0..<8).map { ["g\($0)"] },
                              measures: ["x": MeasureColumn(values)], complete: ["x"])
    }

    /// Per group, the exact (U, V) the mechanism adds its noise to.
    static func binSums(_ input: AggregateInput) throws -> [(u: Int, v: Int)] {
        let bounded = try AggregateEngine.bound(input, statistics: statistics, keys: .publicKeys,
                                                bounds: ContributionBounds(groupsPerUnit: 3, rowsPerUnitPerGroup: 2),
                                                budget: .epsilon(1, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 1)))
        guard case let .mean(doubled, present) = bounded.exact[2] else { throw DPError.invalidParameters("no mean") }
        let sums = PooledSums(noise: .discreteLaplace(scale: 1), low: 0, high: 3600)
        return zip(doubled, present).map { sums.exact(normalisedSum: $0, rows: $1) }
    }

    /// Removing any one unit moves the vector of every group's (U, V) by at most G·R·W in L1 norm,
    /// the sensitivity the noise is scaled to (checked for every unit of three datasets).
    @Test func oneUnitMovesTheBinSumsByAtMostTheSensitivity() throws {
        for seed: UInt64 in [1, 2, 3] {
            let input = Self.input(seed: seed, units: 60)
            let full = try Self.binSums(input)
            var largest = 0
            for unit in 0..<60 {
                let keep = (0..<input.rowCount).filter { input.units?[$0] != Int32(unit) }
                let smaller = AggregateInput(rowCount: keep.count, units: keep.map { input.units?[$0] ?? 0 },
                                             groups: keep.map { input.groups[$0] }, groupKeys: input.groupKeys,
                                             measures: ["x": MeasureColumn(keep.map { input.measures["x"]?[$0] ?? nil })], complete: ["x"])
                let change = zip(full, try Self.binSums(smaller)).reduce(0) { $0 + abs($1.0.u - $1.1.u) + abs($1.0.v - $1.1.v) }
                #expect(change <= 3 * 2 * 3600, "unit \(unit): L1 change \(change)")
                largest = max(largest, change)
            }
            #expect(largest > 3600, "some unit has more than one row, so the bound is exercised")
        }
    }

    /// With noise far below a record, the count, sum and mean published from U and V are the exact
    /// ones of the clamped values.
    @Test func theValuesAreTheExactOnesWithoutNoise() throws {
        let input = Self.input(seed: 4, units: 200)
        let result = try AggregateEngine.run(input, statistics: Self.statistics, keys: .publicKeys,
                                             bounds: ContributionBounds(groupsPerUnit: 3, rowsPerUnitPerGroup: 2),
                                             budget: .epsilon(1e9, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 2)))
        #expect(result.noise[0].pooledWidth == 3600)
        var counts = [Double](repeating: 0, count: 8), sums = counts
        for row in 0..<input.rowCount {
            counts[Int(input.groups[row])] += 1
            sums[Int(input.groups[row])] += min(3600, max(0, input.measures["x"]?[row] ?? 0))
        }
        for (group, row) in result.rows.enumerated() {
            #expect(row.values[0] == counts[group])
            #expect(abs(row.values[1] - sums[group]) < 1e-6)
            #expect(abs(row.values[2] - sums[group] / counts[group]) < 1e-6)
        }
    }

    /// Pooling applies under ε, with public keys, a count and exactly one mean that divides by it,
    /// and no normalised sum reading the count; never under ρ, with private keys, or when turned off.
    @Test func poolingAppliesOnlyWhereItsArgumentHolds() throws {
        let epsilon = AggregateBudget.epsilon(1, delta: nil)
        func pooled(_ statistics: [AggregateStatistic], keys: KeySelection = .publicKeys, budget: AggregateBudget = epsilon,
                    complete: Set<String> = ["x"], pool: Bool = true) throws -> Int? {
            try BudgetSplit(budget: keys == .privateKeys ? .epsilon(1, delta: 1e-6) : budget, statistics: statistics, keys: keys,
                            complete: complete, pool: pool).pooledMean
        }
        #expect(try pooled(Self.statistics) == 2)
        #expect(try pooled([.mean(column: "x", low: 0, high: 9), .count]) == 0)
        #expect(try pooled(Self.statistics, budget: .rho(0.5, delta: 1e-6)) == nil)
        #expect(try pooled(Self.statistics, keys: .privateKeys) == nil)
        #expect(try pooled(Self.statistics, pool: false) == nil)
        #expect(try pooled(Self.statistics, complete: []) == nil, "the mean has its own count")
        #expect(try pooled([.mean(column: "x", low: 0, high: 9)]) == nil, "no count")
        #expect(try pooled([.count, .mean(column: "x", low: 0, high: 9), .mean(column: "y", low: 0, high: 9)],
                           complete: ["x", "y"]) == nil, "two means read the count")
        #expect(try pooled([.count, .mean(column: "x", low: 0, high: 9), .sum(column: "y", low: 0, high: 9)],
                           complete: ["x", "y"]) == nil, "a normalised sum reads the count")
    }

    /// At the same budget, every pooled margin is narrower than the separate mechanisms' (the count's
    /// by about √2, the sum's with L = 0 by about the ratio of one noise to two), and each equals the
    /// forecast made before any data.
    @Test func poolingNarrowsEveryMarginAndTheForecastMatches() throws {
        let input = Self.input(seed: 5, units: 400)
        let bounds = ContributionBounds(groupsPerUnit: 3, rowsPerUnitPerGroup: 2)
        let budget = AggregateBudget.epsilon(1, delta: nil)
        var results: [AggregateResult] = []
        for pool in [true, false] {
            results.append(try AggregateEngine.run(input, statistics: Self.statistics, keys: .publicKeys, bounds: bounds, budget: budget,
                                                   sampler: ExactSampler(random: SeededRandom(seed: 6)), pool: pool))
        }
        let (pooled, separate) = (results[0], results[1])
        #expect(pooled.noise[0].margin < separate.noise[0].margin / 1.25, "count: \(pooled.noise[0].margin) vs \(separate.noise[0].margin)")
        #expect(pooled.noise[1].margin < separate.noise[1].margin / 1.25, "sum: \(pooled.noise[1].margin) vs \(separate.noise[1].margin)")
        for (row, other) in zip(pooled.rows, separate.rows) {
            #expect(row.margins[2] < other.margins[2] * 1.05 || row.margins[2] == 3600, "mean margin \(row.margins[2]) vs \(other.margins[2])")
        }
        // The pooled count's deviation is that of round((Y₁ + Y₂)/W): √2·σ(Y)/W with the rounding's 1/12 in the variance.
        let scale = 21_600.0  // G·R·W = 3·2·3600 over the pooled share, all of ε (the count's 1/2 and the mean's 1/2)
        #expect(pooled.noise[0].distribution == .discreteLaplace(scale: scale))
        let z = 2.0.squareRoot() * NoiseDistribution.discreteLaplace(scale: scale).standardDeviation / 3600
        #expect(abs(pooled.noise[0].standardDeviation - (z * z + 1.0 / 12).squareRoot()) < 1e-9)
        let forecast = try AccuracyForecast(statistics: Self.statistics, keys: .publicKeys, bounds: bounds, budget: budget, complete: ["x"])
        #expect(forecast.statistics[0].margin == pooled.noise[0].margin)
        #expect(forecast.statistics[1].margin == pooled.noise[1].margin)
    }
}

/// The closed form NoiseCombination uses for two wide discrete Laplace noises: never narrower than
/// the exact margin and at most a + b wider.
@Suite struct LaplacePairTests {
    /// The exact 95% point of |a·X + b·Y| by summing both supports (feasible at these scales),
    /// against the closed form's margin.
    @Test func theClosedFormIsConservativeByAtMostTheWeights() {
        for (a, sx, b, sy) in [(1.0, 300.0, 1.0, 300.0), (0.5, 400.0, 0.5, 400.0), (0.2, 500.0, 0.8, 500.0),
                               (0.0, 350.0, 1.0, 350.0), (1 / 36.0, 600.0, 1 / 36.0, 600.0)] {
            let x = NoiseDistribution.discreteLaplace(scale: sx), y = NoiseDistribution.discreteLaplace(scale: sy)
            // The closed form at these scales: the continuous tail at m − (a + b), its 95% point by bisection.
            var (low, high) = (0.0, 100 * (a * sx + b * sy))
            for _ in 0..<200 {
                let middle = (low + high) / 2
                if NoiseCombination.laplacePairTail(alpha: a * sx, beta: b * sy, t: middle - (a + b)) > 0.05 { low = middle } else { high = middle }
            }
            let closed = high
            // The exact law: P(|aX + bY| ≤ m) summed over both supports.
            let limit = Int(30 * max(sx, sy))
            let ys = (-limit...limit).map { y.probability($0) }
            func inside(_ m: Double) -> Double {
                var total = 0.0
                for (index, p) in ys.enumerated() where p > 1e-16 {
                    let shift = b * Double(index - limit)
                    // P(|aX + shift| ≤ m) for the integer X.
                    if a == 0 { total += abs(shift) <= m ? p : 0; continue }
                    let top = Int(((m - shift) / a).rounded(.down)), bottom = Int(((-m - shift) / a).rounded(.up))
                    guard top >= bottom else { continue }
                    total += p * (1 - x.upperTail(top + 1) - x.upperTail(-bottom + 1))
                }
                return total
            }
            #expect(inside(closed) >= 0.95 - 1e-9, "closed-form margin \(closed) covers \(inside(closed))")
            #expect(inside(closed - 2 * (a + b) - 1e-9) < 0.95 + 1e-6 || a + b == 0,
                    "closed-form margin \(closed) is more than a + b wider than needed")
        }
    }
}

/// A hostile value never traps the release: values beyond Int's range are clamped to the bounds first.
@Suite struct ClampTests {
    @Test func valuesBeyondIntegersAreClampedNotTrapped() {
        #expect(AggregateEngine.clampInteger(1e19, 0, 3600) == 3600)
        #expect(AggregateEngine.clampInteger(-1e300, -5, 5) == -5)
        #expect(AggregateEngine.clampInteger(.nan, 2, 9) == 2)
        #expect(AggregateEngine.clampInteger(41.5, 0, 100) == 42)
    }
}
