import Foundation
import Testing
@testable import DifferentialPrivacy

/// The quantile mechanism's privacy property, checked on its exact output
/// distribution over many random neighbouring pairs, and its sampler against
/// that distribution.
@Suite struct QuantileMechanismTests {
    /// Add/remove neighbours: one unit's up-to-R rows appear. For every candidate,
    /// P(x | D) ≤ e^ε · P(x | D′) both ways, and the worst pair comes close to e^ε
    /// (so a sensitivity set too small would fail here).
    @Test(arguments: [0.5, 0.1, 0.9, 0.25])
    func neighbouringGroupsStayWithinEpsilon(q: Double) throws {
        let random = SeededRandom(seed: 11)
        var worst = 0.0
        for trial in 0..<400 {
            let rows = 1 + Int(random.nextWord() % 3)
            let mechanism = QuantileMechanism(q: q, low: 0, high: 30, rowsPerUnit: rows)
            let size = Int(random.nextWord() % 40)
            // Clustered values make the utility steep, where a wrong sensitivity shows.
            let values = (0..<size).map { _ in trial % 2 == 0 ? Int(random.nextWord() % 31) : 10 + Int(random.nextWord() % 5) }
            let added = (0..<(1 + Int(random.nextWord() % UInt64(rows)))).map { _ in Int(random.nextWord() % 31) }
            let epsilon = [0.1, 0.5, 1, 3][trial % 4]
            let p = mechanism.probabilities(values, epsilon: epsilon)
            let p2 = mechanism.probabilities(values + added, epsilon: epsilon)
            for (a, b) in zip(p, p2) {
                let ratio = abs(log(a) - log(b))
                #expect(ratio <= epsilon * (1 + 1e-9), "q \(q), ε \(epsilon): log-ratio \(ratio) for \(values) + \(added)")
                worst = max(worst, ratio / epsilon)
            }
        }
        #expect(worst > 0.5, "the sensitivity is not loose by more than 2×: worst log-ratio \(worst)·ε")
    }

    /// Every true quantile scores best, and nothing else: also when many records share the
    /// median's value (where a utility on #{v ≤ x} alone prefers the value below the tie), and
    /// when the median falls in a gap.
    @Test func theBestCandidatesAreExactlyTheTrueQuantiles() {
        let median = QuantileMechanism(q: 0.5, low: 0, high: 10, rowsPerUnit: 1)
        func best(_ mechanism: QuantileMechanism, _ values: [Int]) -> [Int] {
            let distances = mechanism.distances(values)
            return distances.indices.filter { distances[$0] == 0 }.map { $0 + mechanism.low }
        }
        #expect(best(median, [1, 1, 5, 5, 5, 5, 5, 9, 9]) == [5])
        #expect(best(median, [1, 2, 8, 9]) == [2, 3, 4, 5, 6, 7, 8])
        #expect(best(QuantileMechanism(q: 0.9, low: 0, high: 10, rowsPerUnit: 1), Array(0...9)) == [8, 9])
        let random = SeededRandom(seed: 5)
        for _ in 0..<200 {
            let values = (0..<(1 + Int(random.nextWord() % 30))).map { _ in Int(random.nextWord() % 11) }.sorted()
            for q in [0.1, 0.5, 0.75] {
                // x is a q-quantile when at most q·n values lie below it and at most (1 − q)·n above.
                let truth = (0...10).filter { x in
                    Double(values.filter { $0 < x }.count) <= q * Double(values.count) + 1e-9
                        && Double(values.filter { $0 > x }.count) <= (1 - q) * Double(values.count) + 1e-9
                }
                #expect(best(QuantileMechanism(q: q, low: 0, high: 10, rowsPerUnit: 2), values) == truth, "q \(q) of \(values)")
            }
        }
    }

    /// The utilities come from a tally of the records (``QuantileTally``): they are exactly −max(B(x) −
    /// q·n, A(x) − (1 − q)·n, 0) counted on the records themselves, in any order, with ties, over
    /// every integer and over declared candidates, for records tallied by counting (a narrow range)
    /// and by sorting (a wide one).
    @Test func utilitiesFromATallyAreThoseOfTheRecords() {
        let random = SeededRandom(seed: 23)
        for trial in 0..<300 {
            let wide = trial % 2 == 1
            let (low, high) = wide ? (-1_000_000, 5_000_000) : (0, 40)
            let size = Int(random.nextWord() % 60)
            let span = UInt64(high - low + 1)
            // A few values repeated often, so ties are common.
            let pool = (0..<(1 + Int(random.nextWord() % 8))).map { _ in low + Int(random.nextWord() % span) }
            let records = (0..<size).map { _ in random.nextWord() % 3 == 0 ? low + Int(random.nextWord() % span) : pool[Int(random.nextWord() % UInt64(pool.count))] }
            let grid = Array(Set((0..<12).map { _ in low + Int(random.nextWord() % span) } + [low, high])).sorted()
            for q in [0.1, 0.5, 0.9] {
                for candidates in [nil, grid] {
                    if wide && candidates == nil { continue }
                    let mechanism = QuantileMechanism(q: q, low: low, high: high, rowsPerUnit: 2, candidates: candidates)
                    let scaled = mechanism.scaledQ, resolution = QuantileMechanism.resolution
                    let expected = (candidates ?? Array(low...high)).map { x in
                        let below = records.filter { $0 < x }.count, above = records.filter { $0 > x }.count
                        return max(below * resolution - scaled * size, above * resolution - (resolution - scaled) * size, 0)
                    }
                    #expect(mechanism.distances(records) == expected, "q \(q), \(candidates == nil ? "integers" : "grid") of \(records)")
                }
            }
            let tally = QuantileTally(records)
            #expect(tally.total == size && tally.values == Array(Set(records)).sorted())
            #expect(tally.counts == tally.values.map { value in records.filter { $0 == value }.count })
        }
    }

    /// Each group's tally of the kept rows' clamped values is the tally of the list that appending
    /// them row by row gives: through the table of groups × levels (few of either) and through the
    /// per-group lists (thousands of groups of hundreds of distinct values), with missing values,
    /// values beyond the bounds and rows that are not kept.
    @Test(arguments: [(groups: 7, distinct: 50, rows: 5_000), (groups: 4_000, distinct: 700, rows: 6_000)])
    func groupTalliesAreThoseOfTheGroupsLists(groups groupCount: Int, distinct: Int, rows: Int) {
        let random = SeededRandom(seed: UInt64(groupCount))
        let values: [Double?] = (0..<distinct).map { index in index % 17 == 0 ? nil : Double(Int(random.nextWord() % 1_400)) - 200.3 }
        let codes = (0..<rows).map { _ in random.nextWord() % 9 == 0 ? Int32(-1) : Int32(random.nextWord() % UInt64(distinct)) }
        let groups = (0..<rows).map { _ in Int32(random.nextWord() % UInt64(groupCount)) }
        let kept = (0..<rows).filter { _ in random.nextWord() % 4 != 0 }.map { Int32($0) }
        let measure = MeasureColumn(codes: codes, values: values)
        var lists = [[Int]](repeating: [], count: groupCount)
        for row in kept {
            if let value = measure[Int(row)] { lists[Int(groups[Int(row)])].append(AggregateEngine.clampInteger(value, 0, 1_000)) }
        }
        let tallies = QuantileTally.perGroup(measure, low: 0, high: 1_000, kept: kept, groups: groups, groupCount: groupCount)
        #expect(tallies == lists.map { QuantileTally($0) })
        #expect(tallies.reduce(0) { $0 + $1.total } == lists.reduce(0) { $0 + $1.count })
    }

    @Test func theMedianChargesHalfARowPerRow() {
        #expect(QuantileMechanism(q: 0.5, low: 0, high: 10, rowsPerUnit: 1).sensitivity == 0.5)
        #expect(QuantileMechanism(q: 0.9, low: 0, high: 10, rowsPerUnit: 2).sensitivity == 1.8)
        #expect(QuantileMechanism(q: 0.1, low: 0, high: 10, rowsPerUnit: 3).sensitivity == 2.7)
    }

    /// The exact sampler draws from the stated distribution (χ² at p = 10⁻⁷, the suite's false-failure
    /// bound; an ε 10% off gives a χ² near 200, far past it).
    @Test func samplesFollowTheExactDistribution() throws {
        let mechanism = QuantileMechanism(q: 0.5, low: 0, high: 9, rowsPerUnit: 1)
        let values = [1, 2, 2, 3, 5, 5, 6, 8, 9, 9, 9]
        let epsilon = Fraction(7, 10)
        let sampler = ExactSampler(random: try SystemRandom())
        let trials = 50_000
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<trials { counts[mechanism.sample(values, epsilon: epsilon, sampler: sampler)] += 1 }
        let expected = mechanism.probabilities(values, epsilon: 0.7).map { $0 * Double(trials) }
        var statistic = 0.0, bins = 0
        for (observed, wanted) in zip(counts, expected) where wanted >= 5 {
            statistic += (Double(observed) - wanted) * (Double(observed) - wanted) / wanted
            bins += 1
        }
        let k = Double(bins - 1), z = 5.1993   // Wilson–Hilferty: the upper 10⁻⁷ point
        let term = 1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot()
        #expect(statistic < k * term * term * term, "χ² \(statistic) over \(bins) bins: \(counts)")
    }
}
