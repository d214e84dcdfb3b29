import BigInt
import Foundation
import Tabular

/// Differentially private statistics per group (DESIGN.md, "aggregate" outputs).
///
/// Guarantee, for one output with budget ε (or ρ): after ``ContributionBounder``
/// limits each unit to G groups and R rows per group (add/remove neighbours: one
/// unit's rows appear or not), the budget is split exactly among the output's
/// mechanisms (``BudgetSplit``: by policy weights, or by default to minimise the
/// total relative error) and sequential composition gives ε-DP for the output
/// (Dwork & Roth 2014, Thm 3.16); with private keys, Laplace thresholding adds δ
/// (Wilson et al. 2020, §4); with ρ, the output is ρ-zCDP (Bun & Steinke 2016,
/// Lemma 2.3). Noise is exact (``ExactSampler``); ε and ρ are rounded down to
/// multiples of 10⁻⁶ and noise scales up, so the noise is never smaller than the
/// stated parameters need.
///
/// Mechanisms and sensitivities (L1 for Laplace, squared L2 for the Gaussian):
/// - count: G·R and G·R²;
/// - sum of values clamped to [L, H]: G·R·M and G·R²·M² with M = max(|L|, |H|);
/// - mean: a sum of 2x − (L + H), sensitivities G·R·(H − L) and G·R²·(H − L)²,
///   divided by the output's noisy count when the column can never be missing
///   (post-processing, no extra budget), else by its own noisy count of the rows
///   with a value;
/// - under ε with public keys, the count and the one mean that divides by it: two sums
///   Σ(x − L) and Σ(H − x) per group at both shares together, L1 sensitivity G·R·(H − L)
///   (``PooledSums``), from which the count, the mean and a sum of the same column follow;
/// - quantile: ``QuantileMechanism`` (the exponential mechanism over the integers
///   of [L, H], utility sensitivity R·max(q, 1 − q)) with ε/G per group; under ρ
///   it runs at ε = √(2ρ) of its share (ε-DP implies ε²/2-zCDP, Bun & Steinke
///   2016, Prop. 1.4).
public enum AggregateEngine {
    /// Runs one output: ``bound(_:statistics:keys:bounds:budget:weights:sampler:unitRows:disclosure:auto:pool:)``
    /// then ``release(_:sampler:nonNegative:)``.
    ///
    /// - Parameters:
    ///   - nonNegative: clamp noisy counts at 0 (post-processing; biases small counts up).
    ///   - pool: as for ``bound(_:statistics:keys:bounds:budget:weights:sampler:unitRows:disclosure:auto:pool:)``.
    /// - Throws: What ``bound(_:statistics:keys:bounds:budget:weights:sampler:unitRows:disclosure:auto:pool:)`` throws:
    ///   ``DPError/invalidParameters(_:)`` or ``DPError/missingValues(column:rows:)``.
    public static func run(_ input: AggregateInput, statistics: [AggregateStatistic], keys: KeySelection,
                           bounds: ContributionBounds, budget: AggregateBudget, weights: [Double]? = nil,
                           sampler: ExactSampler, nonNegative: Bool = true, pool: Bool = true) throws(DPError) -> AggregateResult {
        let exact = try bound(input, statistics: statistics, keys: keys, bounds: bounds, budget: budget, weights: weights,
                              sampler: sampler, pool: pool)
        return release(exact, sampler: sampler, nonNegative: nonNegative)
    }

    /// Checks the parameters, bounds each unit's contribution and computes the
    /// exact per-group values every statistic needs. Draws only the bounding's
    /// random choices, no noise; the result is private and must go through
    /// ``release(_:sampler:nonNegative:)`` before anything leaves.
    ///
    /// Throws ``DPError/missingValues(column:rows:)`` when a column declared
    /// complete (``AggregateInput/complete``) has kept rows without a value:
    /// the mean that divides by the output's count would be wrong.
    ///
    /// - Parameters:
    ///   - weights: one per statistic for the budget split, or nil for ``BudgetSplit``'s defaults.
    ///   - unitRows: `input.units` already grouped by unit (several outputs of one
    ///     table share it); nil to group them here.
    /// - Throws: ``DPError/invalidParameters(_:)`` when there is no statistic, a contribution bound
    ///   is below 1, a measure's bounds are not low < high or it has no values, ``BudgetSplit``
    ///   refuses the budget, private keys lack δ > 0, or `unitRows` belongs to another input;
    ///   ``DPError/missingValues(column:rows:)`` as above.
    ///   - disclosure: the share of `budget` (0 ≤ share < 1) spent on ``LeftOutRecords``, the estimate
    ///     of the records the bounds left out; the statistics share the rest. Ignored without units.
    ///   - auto: bounds to choose from the data (``AutoContribution``, its ``AutoContribution/share`` of
    ///     `budget`; `bounds` gives the others). Ignored without units.
    ///   - The input's ``AggregateInput/rollUp``, when set, takes its share of `budget` for the category
    ///     counts (``RolledUpCounts``); it needs private keys, count as the only statistic, one category
    ///     group per group and shares that leave the statistics a part of the budget, else
    ///     ``DPError/invalidParameters(_:)``.
    ///   - pool: release the count and the one mean that divides by it as two pooled bin sums where
    ///     ``BudgetSplit/pooledMean`` allows (``PooledSums``); false keeps them separate.
    public static func bound(_ input: AggregateInput, statistics: [AggregateStatistic], keys: KeySelection,
                             bounds: ContributionBounds, budget: AggregateBudget, weights: [Double]? = nil,
                             sampler: ExactSampler, unitRows: UnitRows? = nil,
                             disclosure: Double = 0, auto: AutoContribution? = nil, pool: Bool = true) throws(DPError) -> BoundedAggregate {
        guard !statistics.isEmpty else { throw .invalidParameters("an aggregate output needs at least one statistic") }
        guard bounds.groupsPerUnit >= 1, bounds.rowsPerUnitPerGroup >= 1 else {
            throw .invalidParameters("contribution bounds must be at least 1")
        }
        for statistic in statistics {
            switch statistic {
            case let .sum(column, low, high), let .mean(column, low, high), let .quantile(column, _, low, high):
                guard low < high else { throw .invalidParameters("bounds of \(column) must satisfy low < high") }
                guard input.measures[column] != nil else { throw .invalidParameters("no values for column \(column)") }
            case .count: break
            }
        }
        guard (0..<1).contains(disclosure) else { throw .invalidParameters("the disclosure share must be in [0, 1)") }
        // Person-level outputs disclose what bounding left out; privately keyed ones, also what selection drops.
        // With a roll-up, every counted record is in a published row (its group's or its category's), so
        // the published rows already add up to the counted total: no noisy count of it is drawn, and a
        // record-level output then has nothing to disclose.
        let countsTotal = keys == .privateKeys && input.rollUp == nil
        let disclosed = disclosure > 0 && (input.units != nil || countsTotal)
        // Bounds chosen from the data first, with their own share (record-level outputs have nothing to choose).
        var bounds = bounds
        var chosen: ChosenContribution?
        let autoShare = auto != nil && input.units != nil ? AutoContribution.share : 0
        if let auto, let units = input.units {
            let choice = auto.choose(units: units, groups: input.groups, fixed: bounds, budget: budget.scaled(by: autoShare), sampler: sampler)
            (chosen, bounds) = (choice, choice.bounds)
        }
        // Categories of the values selection leaves out: their own share, stage 2 of ``RolledUpCounts``.
        let reserved = (disclosed ? disclosure : 0) + autoShare
        var rollUpShare = 0.0
        if let rollUp = input.rollUp {
            guard keys == .privateKeys, statistics == [.count] else {
                throw .invalidParameters("a roll-up counts the records of unpublished private keys: it needs private keys and count as the only statistic")
            }
            guard rollUp.categoryOfGroup.count == input.groupKeys.count else {
                throw .invalidParameters("the roll-up maps \(rollUp.categoryOfGroup.count) groups, the input has \(input.groupKeys.count)")
            }
            guard rollUp.share > 0, reserved + rollUp.share < 1 else {
                throw .invalidParameters("the roll-up's share must be above 0 and leave the statistics part of the budget")
            }
            rollUpShare = rollUp.share
        }
        let split = try BudgetSplit(budget: LeftOutRecords.statisticsBudget(budget, disclosure: reserved + rollUpShare),
                                    statistics: statistics, keys: keys,
                                    weights: weights, complete: input.complete, pool: pool)
        if keys == .privateKeys && (split.delta ?? 0) <= 0 {
            throw .invalidParameters("private keys need δ > 0 for partition selection")
        }
        if let unitRows, unitRows.rowCount != input.rowCount || input.units == nil {
            throw .invalidParameters("the grouped unit rows do not belong to this input")
        }
        let kept = if let unitRows {
            ContributionBounder.bound(unitRows: unitRows, groups: input.groups, bounds: bounds, sampler: sampler)
        } else {
            ContributionBounder.bound(units: input.units, groups: input.groups, bounds: bounds, sampler: sampler)
        }
        // A column promised complete must be: a mean over it divides by the count of all rows.
        for column in input.complete.sorted() {
            guard let values = input.measures[column] else { continue }
            let missing = overKept(kept) { rows in rows.reduce(0) { $0 + (values[Int($1)] == nil ? 1 : 0) } }.reduce(0, +)
            if missing > 0 { throw .missingValues(column: column, rows: missing) }
        }

        // Exact per-group aggregates of the bounded rows, each over ranges of them on every core
        // (integer sums, added up exactly; per-group value lists joined in row order).
        let groupCount = input.groupKeys.count
        let groups = input.groups
        let counts = addedUp(overKept(kept) { rows in
            var counts = [Int](repeating: 0, count: groupCount)
            for row in rows { counts[Int(groups[Int(row)])] += 1 }
            return counts
        }, groupCount)
        var exact: [BoundedAggregate.Exact] = []
        for (index, statistic) in statistics.enumerated() {
            switch statistic {
            case .count:
                exact.append(.count)
            case let .sum(column, low, high):
                let values = input.measures[column] ?? []
                switch split.sumForms[index] {
                case .fromMean:
                    exact.append(.derived)
                case .normalised:
                    exact.append(.sum(normalisedSums(values, kept: kept, groups: input.groups, groupCount: groupCount, low: low, high: high).doubled))
                case .plain:
                    let clamped = values.clamped(low, high), codes = values.codes
                    exact.append(.sum(addedUp(overKept(kept) { rows in
                        var sums = [Int](repeating: 0, count: groupCount)
                        for row in rows.lazy.map({ Int($0) }) where codes[row] >= 0 {
                            if let value = clamped[Int(codes[row])] { sums[Int(groups[row])] += value }
                        }
                        return sums
                    }, groupCount)))
                }
            case let .mean(column, low, high):
                let (doubled, present) = normalisedSums(input.measures[column] ?? [], kept: kept, groups: input.groups,
                                                        groupCount: groupCount, low: low, high: high)
                exact.append(.mean(doubled: doubled, present: present))
            case let .quantile(column, _, low, high):
                let perGroup = QuantileTally.perGroup(input.measures[column] ?? [], low: low, high: high, kept: kept,
                                                      groups: input.groups, groupCount: groupCount)
                exact.append(.quantile(perGroup, candidates: input.logGrids[statistic.name].map {
                    QuantileMechanism.logGrid(low: low, high: high, points: $0)
                }))
            }
        }
        var leftOut: BoundedAggregate.LeftOut?
        if disclosed {
            // Record-level bounding leaves nothing out: that figure is 0 whatever the data (cap 0, no noise).
            let cap = input.units == nil ? 0 : LeftOutRecords.capPerUnit(bounds)
            let exact = input.units.map { LeftOutRecords.exact(units: $0, groups: input.groups, kept: kept, cap: cap) } ?? 0
            leftOut = BoundedAggregate.LeftOut(exact: exact, cap: cap, budget: budget.scaled(by: disclosure), countsTotal: countsTotal)
        }
        return BoundedAggregate(groupKeys: input.groupKeys, statistics: statistics, keys: keys, bounds: bounds, budget: budget,
                                split: split, counts: counts, exact: exact, rowsAfterBounding: kept.count, leftOut: leftOut,
                                chosenBounds: chosen,
                                rollUp: input.rollUp.map { ($0, budget.scaled(by: rollUpShare)) })
    }

    /// Adds the noise to a bounded output (see the type's guarantee) and, with
    /// private keys, selects the published groups.
    ///
    /// - Parameter nonNegative: clamp noisy counts at 0 (post-processing; biases small counts up).
    public static func release(_ bounded: BoundedAggregate, sampler: ExactSampler, nonNegative: Bool = true) -> AggregateResult {
        let (statistics, keys, budget, split) = (bounded.statistics, bounded.keys, bounded.budget, bounded.split)
        let g = bounded.bounds.groupsPerUnit, r = bounded.bounds.rowsPerUnitPerGroup
        let counts = bounded.counts
        let groupCount = counts.count

        /// Noise of an integer query with L1 sensitivity `l1` and squared L2 sensitivity `l2Squared` at `share`.
        func noise(l1: Int, l2Squared: Int, share: Fraction) -> (draw: () -> BigInt, distribution: NoiseDistribution) {
            let parameters = noiseParameters(l1: l1, l2Squared: l2Squared, share: share, gaussian: split.isGaussian)
            return ({ draw(parameters, sampler) }, parameters.distribution)
        }

        // The output's noisy count first: it decides the private key set, and complete means divide by it.
        // Pooled with a mean (public keys only), it comes from that mean's two noisy bin sums instead.
        var pooled: PooledDraw?
        if let index = split.pooledMean, let share = split.pooledShare,
           case let .mean(_, low, high) = statistics[index], case let .mean(doubled, present) = bounded.exact[index] {
            // Never under ρ (BudgetSplit pools ε budgets only), so no squared L2 sensitivity is needed, nor
            // with private keys, whose selection thresholds a count noise this path does not draw.
            precondition(!split.isGaussian && keys == .publicKeys, "pooling is for ε budgets with public keys")
            let width = high - low
            let binNoise = noise(l1: g * r * width, l2Squared: 0, share: share)
            let sums = PooledSums(noise: binNoise.distribution, low: low, high: high)
            var u: [Int] = [], v: [Int] = []
            u.reserveCapacity(groupCount); v.reserveCapacity(groupCount)
            for group in 0..<groupCount {
                let exact = sums.exact(normalisedSum: doubled[group], rows: present[group])
                u.append(exact.u + Int(binNoise.draw()))
                v.append(exact.v + Int(binNoise.draw()))
            }
            pooled = PooledDraw(mean: index, sums: sums, u: u, v: v)
        }
        let countNoise = pooled == nil ? split.count.map { noise(l1: g * r, l2Squared: g * r * r, share: $0) } : nil
        let noisyCounts = pooled.map { pooled in
            zip(pooled.u, pooled.v).map { Int(pooled.sums.count(u: $0, v: $1).rounded()) }
        } ?? countNoise.map { countNoise in counts.map { $0 + Int(countNoise.draw()) } }
        var published = Array(0..<groupCount)
        var threshold: Int?
        if keys == .privateKeys, let delta = split.delta, let countNoise, let noisyCounts {
            // A new unit brings at most G partitions of count ≤ R; each must pass τ with probability ≤ δ/G.
            // The candidates are the groups of the bounded rows: a group only the unit's dropped rows
            // reach is no candidate (else one unit with K values would bring K candidates, not G, and
            // the chance that some empty one passes τ grows with K, unbounded by δ).
            let tau = r + selectionMargin(countNoise.distribution, probability: delta / Double(g))
            threshold = tau
            // A group the roll-up keeps in its category (its key would read as a category row) is no candidate either.
            published = published.filter { counts[$0] > 0 && noisyCounts[$0] >= tau && bounded.rollUp?.input.mayStandAlone($0) != false }
        }

        // Every mean's noisy normalised sum and denominator, first: a sum of the same column reads them.
        var normalised: [Int: NormalisedDraw] = [:]
        for (index, statistic) in statistics.enumerated() {
            guard case let .mean(_, low, high) = statistic, case let .mean(doubled, present) = bounded.exact[index] else { continue }
            if let pooled, pooled.mean == index, let noisyCounts {
                // Public keys: every group is published, in order.
                normalised[index] = NormalisedDraw(sums: zip(pooled.u, pooled.v).map { $0 - $1 }, denominators: noisyCounts,
                                                   sumNoise: pooled.sums.noise, denominatorNoise: pooled.sums.noise, pooled: pooled)
                continue
            }
            let width = high - low
            let sumNoise = noise(l1: g * r * width, l2Squared: g * r * r * width * width, share: split.main[index])
            // The denominator: the output's noisy count, or the mean's own count of rows with a value.
            let denominators: [Int], denominatorNoise: NoiseDistribution
            if let ownNoise = split.ownCount[index].map({ noise(l1: g * r, l2Squared: g * r * r, share: $0) }) {
                (denominators, denominatorNoise) = (present.map { $0 + Int(ownNoise.draw()) }, ownNoise.distribution)
            } else if let noisyCounts, let countNoise {
                (denominators, denominatorNoise) = (noisyCounts, countNoise.distribution)
            } else { continue }
            normalised[index] = NormalisedDraw(sums: published.map { doubled[$0] + Int(sumNoise.draw()) },
                                               denominators: published.map { denominators[$0] },
                                               sumNoise: sumNoise.distribution, denominatorNoise: denominatorNoise)
        }

        var columns: [[Double]] = []
        var margins: [[Double]] = []
        var reports: [StatisticNoise] = []
        for (index, statistic) in statistics.enumerated() {
            let shareValue = split.spent(by: index).doubleValue
            switch statistic {
            case .count:
                guard let noisyCounts, let law = pooled.map({ $0.sums.noise }) ?? countNoise?.distribution else { continue }
                let margin = pooled.map { $0.sums.countMargin } ?? Double(law.marginOfError())
                columns.append(published.map { Double(nonNegative ? max(noisyCounts[$0], 0) : noisyCounts[$0]) })
                margins.append(published.map { _ in margin })
                let clamp = nonNegative ? "negative noisy counts are published as 0, which biases counts near zero upwards" : "none"
                var report = StatisticNoise(statistic: statistic.name, share: shareValue, distribution: law, margin: margin, postProcessing: clamp)
                if let pooled {
                    let (low, high) = (pooled.sums.low, pooled.sums.high)
                    report.pooledWidth = pooled.sums.width
                    report.postProcessing = "pooled with \(statistics[pooled.mean].name) (one mechanism at both shares): published as (U + V)/\(pooled.sums.width) rounded to a whole number, from the noisy sums U = Σ(x − \(low)) + Y₁ and V = Σ(\(high) − x) + Y₂ of its values clamped to [\(low), \(high)], each noise of the law shown; the margin is the 95% point of |Y₁ + Y₂|/\(pooled.sums.width), rounded up; " + (nonNegative ? clamp : "negative counts are kept")
                }
                reports.append(report)
            case let .sum(_, low, high):
                let center = Double(low + high) / 2
                let draw: NormalisedDraw
                let source: String
                switch split.sumForms[index] {
                case .plain:
                    guard case let .sum(sums) = bounded.exact[index] else { continue }
                    let m = max(abs(low), abs(high))
                    let sumNoise = noise(l1: g * r * m, l2Squared: g * r * r * m * m, share: split.main[index])
                    let margin = Double(sumNoise.distribution.marginOfError())
                    columns.append(published.map { Double(sums[$0] + Int(sumNoise.draw())) })
                    margins.append(published.map { _ in margin })
                    reports.append(StatisticNoise(statistic: statistic.name, share: shareValue, distribution: sumNoise.distribution,
                                                  margin: margin, postProcessing: "values clamped to [\(low), \(high)] and rounded to whole numbers before summing"))
                    continue
                case let .fromMean(mean):
                    guard let meanDraw = normalised[mean] else { continue }
                    (draw, source) = (meanDraw, "the noisy normalised sum and denominator of \(statistics[mean].name) (no mechanism of its own)")
                case .normalised:
                    guard case let .sum(doubled) = bounded.exact[index], let countNoise, let noisyCounts else { continue }
                    let width = high - low
                    let sumNoise = noise(l1: g * r * width, l2Squared: g * r * r * width * width, share: split.main[index])
                    draw = NormalisedDraw(sums: published.map { doubled[$0] + Int(sumNoise.draw()) },
                                          denominators: published.map { noisyCounts[$0] },
                                          sumNoise: sumNoise.distribution, denominatorNoise: countNoise.distribution)
                    source = "its noisy normalised sum Σ(2x − \(low + high)) and the output's noisy count"
                }
                if let pooled = draw.pooled {
                    // (U − V)/2 + c·(U + V)/W; its error Y₁·(1/2 + c/W) + Y₂·(c/W − 1/2) does not depend on the data.
                    let margin = pooled.sums.sumError.margin()
                    columns.append(zip(pooled.u, pooled.v).map { pooled.sums.sum(u: $0, v: $1) })
                    margins.append(published.map { _ in margin })
                    reports.append(StatisticNoise(statistic: statistic.name, share: shareValue, distribution: pooled.sums.noise, margin: margin,
                                                  postProcessing: "pooled with the count through \(statistics[pooled.mean].name)'s mechanism (none of its own): values clamped to [\(low), \(high)] and rounded to whole numbers; published as (U − V)/2 + \(center.formatted())·(U + V)/\(pooled.sums.width) from its noisy sums U and V; the margin is the 95% point of |Y₁·(1/2 + c/W) + Y₂·(c/W − 1/2)| for their two noises, c = \(center.formatted()), W = \(pooled.sums.width)"))
                    continue
                }
                // sum = S̃/2 + c·Ñ; its error is X/2 + c·Y whatever the data, so one margin fits every row.
                let margin = NoiseCombination(0.5, draw.sumNoise, center, draw.denominatorNoise).margin()
                columns.append(zip(draw.sums, draw.denominators).map { Double($0) / 2 + center * Double($1) })
                margins.append(published.map { _ in margin })
                reports.append(StatisticNoise(statistic: statistic.name, share: shareValue, distribution: draw.sumNoise, margin: margin,
                                              postProcessing: "values clamped to [\(low), \(high)] and rounded to whole numbers; published as S/2 + \(center.formatted())·N from \(source); the margin is the 95% point of |X/2 + \(center.formatted())·Y| for the two noises X and Y"))
            case let .mean(_, low, high):
                guard let draw = normalised[index] else { continue }
                let width = Double(high - low)
                let center = Double(low + high) / 2
                var table = draw.pooled.map { MeanMargins(pooled: $0.sums) }
                    ?? MeanMargins(sumNoise: draw.sumNoise, denominatorNoise: draw.denominatorNoise, low: low, high: high)
                var means: [Double] = [], bounds: [Double] = []
                for (position, (noisySum, noisyN)) in zip(draw.sums, draw.denominators).enumerated() {
                    let mean = draw.pooled.map { $0.sums.mean(u: $0.u[position], v: $0.v[position]) }
                        ?? MeanMargins.mean(noisySum: noisySum, noisyCount: noisyN, low: low, high: high)
                    means.append(mean)
                    bounds.append(table.margin(mean: mean, noisyCount: noisyN))
                }
                columns.append(means)
                margins.append(bounds)
                let sortedBounds = bounds.sorted()
                let typical = sortedBounds.isEmpty ? width : sortedBounds[sortedBounds.count / 2]
                let denominator = split.ownCount[index] == nil
                    ? "over the output's noisy count (the column is never missing, so the mean spends nothing on a count of its own)"
                    : "over its own noisy count of the rows with a value"
                if let pooled = draw.pooled {
                    reports.append(StatisticNoise(statistic: statistic.name, share: shareValue, distribution: pooled.sums.noise, margin: typical,
                                                  postProcessing: "pooled with the count (one mechanism at both shares): published as \(low) + \(pooled.sums.width)·U/(U + V), clamped to [\(low), \(high)], from the noisy sums U = Σ(x − \(low)) + Y₁ and V = Σ(\(high) − x) + Y₂ of the values clamped to the bounds, each noise of the law shown; each row's margin (median shown) is the 95% point of |Y₁·(1/2 − d/W) − Y₂·(1/2 + d/W)| / N, W = \(pooled.sums.width), with d the published mean less \(center.formatted()) rounded away from 0 to a multiple of \(MeanMargins.gridSteps)th of the range and N the published count (at least 1), at most the range"))
                    continue
                }
                reports.append(StatisticNoise(statistic: statistic.name, share: shareValue, distribution: draw.sumNoise,
                                              margin: typical,
                                              postProcessing: "noisy normalised sum \(denominator), clamped to [\(low), \(high)]; each row's margin (median shown) is the 95% point of |X/2 − d·Y| / N for the sum's noise X and the count's noise Y, with d the published mean less \(center.formatted()) rounded away from 0 to a multiple of \(MeanMargins.gridSteps)th of the range and N the published count it divides by (at least 1), at most the range"))
            case let .quantile(_, q, low, high):
                guard case let .quantile(perGroup, candidates) = bounded.exact[index] else { continue }
                let share = split.isGaussian ? rhoToEpsilonShare(split.main[index]) : split.main[index]
                let epsilon = share / Fraction(g)
                let mechanism = QuantileMechanism(q: q, low: low, high: high, rowsPerUnit: r, candidates: candidates)
                let rankMargin = mechanism.rankMargin(epsilon: epsilon.doubleValue)
                columns.append(published.map { group in Double(mechanism.sample(perGroup[group], epsilon: epsilon, sampler: sampler)) })
                margins.append(published.map { _ in rankMargin })
                reports.append(StatisticNoise(statistic: statistic.name, share: shareValue,
                                              distribution: .discreteLaplace(scale: 2 * mechanism.sensitivity / epsilon.doubleValue),
                                              margin: rankMargin,
                                              postProcessing: "exponential mechanism over \(candidates.map { "\($0.count) log-spaced candidates in" } ?? "the integers") \(low)…\(high) with rank sensitivity \(mechanism.sensitivity.formatted()); the margin is in records: with probability ≥ 95%, at most that many more records lie on either side of the published value than on that side of a true \(q)-quantile"))
            }
        }
        var rows = published.enumerated().map { index, group in
            AggregateRow(key: bounded.groupKeys[group], values: columns.map { $0[index] }, margins: margins.map { $0[index] })
        }
        // Stage 2: the records of every group selection left out, counted under their categories.
        var rolledUp: RolledUpCounts?
        if let (input, rollUpBudget) = bounded.rollUp {
            let stage2 = RolledUpCounts.release(counts: counts, published: published, input: input, budget: rollUpBudget,
                                                bounds: bounded.bounds, gaussian: split.isGaussian, nonNegative: nonNegative,
                                                sampler: sampler)
            rows += stage2.rows
            rolledUp = stage2.noise
        }
        var rho: Double?
        if case let .rho(value, _) = budget { rho = value }
        var leftOut: LeftOutRecords?
        if let disclosure = bounded.leftOut {
            leftOut = LeftOutRecords.release(exact: disclosure.exact, cap: disclosure.cap,
                                             counted: disclosure.countsTotal ? (bounded.rowsAfterBounding, g * r) : nil,
                                             budget: disclosure.budget, gaussian: split.isGaussian, sampler: sampler)
        }
        return AggregateResult(statistics: statistics.map(\.name), rows: rows, noise: reports,
                               epsilon: budget.epsilonEquivalent(privateKeys: keys == .privateKeys), delta: budget.delta, rho: rho,
                               threshold: threshold,
                               rowsAfterBounding: bounded.rowsAfterBounding, leftOut: leftOut, chosenBounds: bounded.chosenBounds,
                               rollUp: rolledUp)
    }

    /// Per group, Σ(2·clamp(x) − (L + H)) over the kept rows with a value, and how many there are.
    static func normalisedSums(_ values: MeasureColumn, kept: [Int32], groups: [Int32], groupCount: Int,
                               low: Int, high: Int) -> (doubled: [Int], present: [Int]) {
        // Each distinct value's doubled distance from the midpoint, computed once.
        let centred = values.clamped(low, high).map { $0.map { 2 * $0 - (low + high) } }, codes = values.codes
        let parts = overKept(kept) { rows in
            var doubled = [Int](repeating: 0, count: groupCount)
            var present = [Int](repeating: 0, count: groupCount)
            for row in rows.lazy.map({ Int($0) }) where codes[row] >= 0 {
                guard let value = centred[Int(codes[row])] else { continue }
                doubled[Int(groups[row])] += value
                present[Int(groups[row])] += 1
            }
            return (doubled, present)
        }
        return (addedUp(parts.map(\.0), groupCount), addedUp(parts.map(\.1), groupCount))
    }

    /// `body` over consecutive ranges of the kept rows, on every core; the results in range order.
    static func overKept<T>(_ kept: [Int32], _ body: (ArraySlice<Int32>) -> T) -> [T] {
        Parallel.map(ranges: kept.count, minimum: 1 << 16) { body(kept[$0]) }
    }

    /// The element-wise sum of per-range tallies of `count` entries each.
    static func addedUp(_ parts: [[Int]], _ count: Int) -> [Int] {
        var total = [Int](repeating: 0, count: count)
        for part in parts {
            for index in 0..<count { total[index] += part[index] }
        }
        return total
    }

    static func clampInteger(_ value: Double, _ low: Int, _ high: Int) -> Int {
        guard value.isFinite else { return low }
        // Clamped before converting: a value beyond Int's range (1e19) must not trap.
        return Int(min(Double(high), max(Double(low), value.rounded())))
    }

    /// The smallest k ≥ 0 with P(Z ≥ k + 1) ≤ `probability` for the count noise.
    static func selectionMargin(_ distribution: NoiseDistribution, probability: Double) -> Int {
        var k = 0
        while true {
            let tail: Double
            switch distribution {
            case let .discreteLaplace(scale):
                let alpha = exp(-1 / scale)
                tail = pow(alpha, Double(k + 1)) / (1 + alpha)
            case .discreteGaussian:
                tail = distribution.twoSidedTail(k) / 2
            }
            if tail <= probability { return k + 1 }
            k += 1
        }
    }

    /// The exact noise of an integer query with L1 sensitivity `l1` (discrete Laplace of scale
    /// l1 / ε-share) or squared L2 sensitivity `l2Squared` (discrete Gaussian of variance
    /// l2² / (2 ρ-share)), and its distribution for margins.
    static func noiseParameters(l1: Int, l2Squared: Int, share: Fraction,
                                gaussian: Bool) -> (laplaceScale: Fraction?, sigmaSquared: Fraction?, distribution: NoiseDistribution) {
        if !gaussian {
            let scale = Fraction(BigUInt(l1), 1) / share
            return (scale, nil, .discreteLaplace(scale: scale.doubleValue))
        }
        let sigmaSquared = Fraction(BigUInt(l2Squared), 1) / (Fraction(2) * share)
        return (nil, sigmaSquared, .discreteGaussian(sigmaSquared: sigmaSquared.doubleValue))
    }

    /// One exact draw of the noise ``noiseParameters(l1:l2Squared:share:gaussian:)`` chose.
    static func draw(_ parameters: (laplaceScale: Fraction?, sigmaSquared: Fraction?, distribution: NoiseDistribution),
                     _ sampler: ExactSampler) -> BigInt {
        parameters.laplaceScale.map { sampler.discreteLaplace(scale: $0) }
            ?? sampler.discreteGaussian(sigmaSquared: parameters.sigmaSquared ?? Fraction(1))
    }

    /// The ε-DP share a ρ-zCDP share allows a pure-DP mechanism: ε = √(2ρ)
    /// (ε-DP implies ε²/2-zCDP, Bun & Steinke 2016, Prop. 1.4), rounded down.
    static func rhoToEpsilonShare(_ rho: Fraction) -> Fraction {
        Fraction.below((2 * rho.doubleValue).squareRoot())
    }
}

/// A mean's (or a sum's) noisy normalised sums Σ(2x − (L + H)) + X and the noisy denominators
/// + Y they go with, per published group, and the laws of X and Y.
struct NormalisedDraw {
    let sums: [Int]
    let denominators: [Int]
    let sumNoise: NoiseDistribution
    let denominatorNoise: NoiseDistribution
    /// Set when the mean is pooled with the count: `sums` are U − V and `denominators` the rounded counts.
    var pooled: PooledDraw? = nil
}

/// The noisy bin sums U and V of a mean pooled with the output's count (``PooledSums``), for every group.
struct PooledDraw {
    /// The pooled mean's statistic index.
    let mean: Int
    let sums: PooledSums
    let u: [Int]
    let v: [Int]
}

/// One aggregate output after contribution bounding: the exact per-group
/// values each statistic needs, before any noise. Private data: never
/// published, stored or logged; only ``AggregateEngine/release(_:sampler:nonNegative:)``
/// turns it into something that may leave. Computing it spends no budget, so
/// a release can prepare it while other outputs are still being produced and
/// record the spend only once the whole release is known to go ahead.
public struct BoundedAggregate: Sendable {
    /// The exact values one statistic needs, per group.
    enum Exact: Sendable {
        case count
        /// A plain sum per group, or Σ(2x − (L + H)) for a normalised one.
        case sum([Int])
        case mean(doubled: [Int], present: [Int])
        /// A sum published from a mean's mechanisms: nothing of its own.
        case derived
        /// Each group's clamped values, tallied, and the candidates when not every integer of the bounds.
        case quantile([QuantileTally], candidates: [Int]?)
    }

    let groupKeys: [[String]]
    let statistics: [AggregateStatistic]
    let keys: KeySelection
    let bounds: ContributionBounds
    let budget: AggregateBudget
    /// The output's budget per mechanism.
    let split: BudgetSplit
    /// Bounded rows per group.
    let counts: [Int]
    /// Per statistic, in order.
    let exact: [Exact]
    let rowsAfterBounding: Int

    /// The exact, capped count of rows the bounds left out, and the budget its estimate gets.
    struct LeftOut: Sendable {
        let exact: Int
        let cap: Int
        let budget: AggregateBudget
        /// Whether the disclosure also counts every counted record (private keys without a roll-up).
        var countsTotal = false
    }
    /// Nil without units or without a disclosure share.
    let leftOut: LeftOut?
    /// The bounds ``AutoContribution`` chose, when it did.
    var chosenBounds: ChosenContribution? = nil
    /// The roll-up of unpublished groups into categories, and the budget of its counts.
    var rollUp: (input: RollUpInput, budget: AggregateBudget)? = nil

    /// ε the ledger charges for this output.
    public var epsilonEquivalent: Double { budget.epsilonEquivalent }
}
