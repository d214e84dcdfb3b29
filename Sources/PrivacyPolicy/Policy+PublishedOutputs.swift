/// The outputs a release publishes: the policy's own, each followed by the
/// period-total outputs its `totals_over:` implies.
extension Policy {
    /// Every output a release of this policy publishes, in file order. A period-total
    /// output (``AggregateSpec/periodOf``) has the id `<output>-weekly`, `-monthly`,
    /// `-quarterly` or `-yearly`; its groups are the daily output's with the day replaced
    /// by the period, its statistics the daily output's counts and sums, and its budget
    /// its share of the daily output's (``AggregateSpec/dailyPrivacy``). The daily output's
    /// ε is what the ledger charges each night, for the day and every period together.
    public var publishedOutputs: [OutputSpec] {
        outputs.flatMap { output -> [OutputSpec] in
            guard case let .aggregate(spec) = output.kind, !spec.totalsOver.isEmpty,
                  let dayIndex = spec.groupBy.firstIndex(where: { $0.level == "day" }) else { return [output] }
            return [output] + spec.totalsOver.map { level in
                var period = spec
                period.groupBy[dayIndex].level = level
                period.statistics = spec.statistics.filter { if case .count = $0 { true } else if case .sum = $0 { true } else { false } }
                period.weights = spec.weights.filter { name, _ in period.statistics.contains { $0.name == name } }
                period.privacy = spec.dailyPrivacy
                period.totalsOver = []
                period.periodOf = PeriodOf(output: output.id, level: level, dayIndex: dayIndex)
                let adjective = level == "day" ? "daily" : level + "ly"
                return OutputSpec(id: "\(output.id)-\(adjective)", title: "\(output.title ?? output.id), \(adjective) totals",
                                  kind: .aggregate(period), location: output.location)
            }
        }
    }
}

extension AggregateSpec {
    /// The budget of the daily table and of each period level: the output's ε (or ρ)
    /// split evenly over 1 + the number of `totals_over` levels (sequential composition;
    /// the shares add up to at most the output's budget).
    public var dailyPrivacy: PrivacySpec {
        let parts = Double(1 + totalsOver.count)
        return switch privacy {
        case let .epsilon(epsilon, delta): .epsilon(epsilon / parts, delta: delta)
        case let .rho(rho, delta): .rho(rho / parts, delta: delta)
        }
    }
}
