import Foundation

/// The plain-language account of a policy, for residents and privacy officers
/// (`opendata policy explain`, and every release's privacy report).
public enum PolicyExplainer {
    /// Paragraphs of plain text, in the order a reader needs them.
    public static func explain(_ policy: Policy) -> [String] {
        var text: [String] = []
        let dataset = policy.dataset
        text.append("\(dataset.title) (\(dataset.id)): \(dataset.description) Published \(dataset.frequency ?? "regularly") by \(dataset.publisher) under \(dataset.license); questions to \(dataset.contact).")
        text.append("Source: the table \(policy.source.table). Each record belongs to the calendar day of its \(policy.source.windowBy) in the \(policy.source.timezone) time zone; each release covers whole days.")
        let dropped = policy.columns.filter { $0.treatment == .drop }.map(\.name)
        if !dropped.isEmpty {
            text.append("Never read from the source and never published: \(list(dropped)).")
        }
        for rule in policy.exclude where !rule.values.isEmpty {
            text.append("Records whose \(rule.column) is \(list(rule.values, conjunction: "or")) are withheld from every output.")
        }
        for rule in policy.publishOnly {
            text.append("Only these values of \(rule.column) are published: \(list(rule.values)); a record with any other value, or none, is withheld from every output (a new category waits until the policy lists it).")
        }
        text.append(GuaranteeCheck.statement(for: policy))
        if let unit = policy.privacyUnit {
            text.append("\(unit) identifies the person a record is about. It is never published. It is used to limit how much any one person can count in the statistics and to keep at most one record per person in each record-level file; records without it are left out of both.")
        }
        for column in policy.columns {
            switch column.treatment {
            case let .generalize(hierarchy):
                text.append("\(column.name) is published only in coarsened form: \(describe(hierarchy)); the least coarsening that protects everyone is chosen for each release.")
            case .pseudonymize:
                text.append("\(column.name) is replaced by a keyed code (HMAC-SHA256): the same value always gets the same code, so records sharing it can be linked across releases, but the value cannot be recovered without the department's secret key.")
            case .sensitive:
                text.append("\(column.name) is sensitive: in plain k-anonymous record files it is published only where each group of look-alike records holds enough different values.")
            case let .insensitive(reason):
                text.append("\(column.name) is published as recorded in record-level files and not counted as identifying, because: \(reason)")
            case .keep:
                text.append("\(column.name) is published as recorded in statistics; in record-level files it counts as identifying, so it is published there as recorded or removed, whichever protection needs.")
            case .drop, .privacyUnit:
                break
            }
        }
        for derived in policy.derived {
            if case let .secondsBetween(start, end) = derived.kind {
                text.append("\(derived.name) is the number of seconds from \(start) to \(end), computed inside the source database; it is published only as statistics with differential privacy.")
            }
        }
        for output in policy.outputs {
            let name = output.title.map { "\"\($0)\" (\(output.id))" } ?? output.id
            switch output.kind {
            case let .microdata(spec):
                let quasi = spec.columns.filter {
                    switch policy.treatment(of: $0) {
                    case .sensitive?, .insensitive?: false
                    default: true
                    }
                }
                let who = policy.privacyUnit == nil ? "records" : "people"
                if let privacy = spec.privacy {
                    text.append("\(name): one row per \(policy.privacyUnit == nil ? "record" : "person") drawn into a random sample, with differential privacy (ε = \(format(privacy.epsilon)), δ = \(privacy.delta)): each record is kept with a probability set by ε, and any group of look-alike sampled records smaller than a k derived from ε and δ is removed (SafePub; the exact probability and k are in each release's report). Every published column, \(list(spec.columns)), is coarsened together; \(spec.generalization.map { levels in "the coarsening is fixed by this policy (\(levels.map { "\($0.column) at \($0.level)" }.joined(separator: ", "))), so nothing is spent on choosing it" } ?? "the coarsening is itself chosen at random among those that can keep groups of k at the sample's size, favouring those that publish the most records in the most detail"). Adding or removing any one \(policy.privacyUnit == nil ? "record" : "person") changes the probability of any published file by at most a factor of e^\(format(privacy.epsilon)), except with probability \(privacy.delta).")
                    continue
                }
                var sentence = "\(name): at most one row per \(policy.privacyUnit == nil ? "record" : "person"), coarsened so that every published row matches at least \(spec.k - 1) other \(who) on \(list(quasi))"
                if let l = spec.lDiversity {
                    let variant: String
                    switch l.variant {
                    case .distinct: variant = "at least \(format(l.l)) different values"
                    case .entropy: variant = "values as varied as \(format(l.l)) equally common ones (entropy ℓ-diversity)"
                    case .grassberger: variant = "values as varied as \(format(l.l)) equally common ones, judged with a small-sample correction (entropy ℓ-diversity, Grassberger's estimator)"
                    case let .recursive(c): variant = "no value more common than \(format(c)) times the rarer ones together (recursive (c, ℓ)-diversity with ℓ = \(format(l.l)))"
                    }
                    sentence += "; within each such group \(l.column) takes \(variant)"
                }
                if let t = spec.tCloseness {
                    sentence += "; in each group the spread of \(t.column) stays within \(format(t.t)) of the whole table's (t-closeness, \(t.distance.rawValue) distance)"
                }
                sentence += ". Up to \(format(spec.maxSuppression * 100))% of records may be withheld to achieve this"
                if spec.recoding == .local {
                    sentence += ", and records one coarsening would withhold are coarsened again on their own (local recoding), so far fewer are"
                }
                sentence += ". This does not hide whether someone is in the file."
                text.append(sentence)
            case let .aggregate(spec):
                let statistics = spec.statistics.map { statistic -> String in
                    switch statistic {
                    case .count: "counts"
                    case let .sum(column, bounds): "totals of \(column) (each value capped to \(format(bounds.lowerBound))–\(format(bounds.upperBound)))"
                    case let .mean(column, bounds): "averages of \(column) (values capped to \(format(bounds.lowerBound))–\(format(bounds.upperBound)))"
                    case let .median(column, bounds): "medians of \(column) (within \(format(bounds.lowerBound))–\(format(bounds.upperBound)))"
                    case let .quantile(column, q, bounds): "\(format(q * 100))th percentiles of \(column) (within \(format(bounds.lowerBound))–\(format(bounds.upperBound)))"
                    }
                }
                let groups = spec.groupBy.map { key in key.level.map { "\(key.column) (by \($0))" } ?? key.column }
                let unit = policy.privacyUnit == nil ? "record" : "person"
                var parameters: String
                switch spec.privacy {
                case let .epsilon(epsilon, delta): parameters = "ε = \(format(epsilon))" + (delta.map { ", δ = \($0)" } ?? "")
                case let .rho(rho, delta):
                    parameters = "ρ = \(format(rho))-zCDP, at most ε = \(format(output.epsilon)) with δ = \(delta)"
                        + (spec.hasPrivateKeys ? ", half of δ for choosing which groups to publish and half for stating ρ as ε" : "")
                }
                var sentence = "\(name): \(list(statistics)) per \(list(groups)), with random noise added. "
                if let disparity = spec.disparity {
                    sentence = "\(name): compares the share of records where \(disparity.outcome.phrase) between groups of \(disparity.group)\(disparity.period.map { " for each \($0.level ?? "period")" } ?? ""). "
                }
                if policy.dataset.guarantee == .differentialPrivacy {
                    sentence += "Adding or removing any one \(unit) changes the probability of any published value by at most a factor of e^\(format(output.epsilon))\(output.delta.map { ", except with probability \($0)" } ?? "") (differential privacy, \(parameters))."
                } else {
                    sentence += "The noise is calibrated as for differential privacy (\(parameters)), but because this dataset also publishes plain k-anonymous records of the same rows, these tables are not differentially private."
                }
                if let contribution = spec.contribution {
                    sentence += " " + Self.contributionSentence(contribution)
                }
                if !spec.totalsOver.isEmpty {
                    let levels = spec.totalsOver.map { "\($0)ly" }
                    sentence += " When each \(list(spec.totalsOver, conjunction: "or")) ends, its totals are published once in their own file (\(list(levels)) totals), each with a single noise instead of a sum of daily noises, so they are far more accurate than adding up the days; the budget above is shared evenly by the daily table and each of these, and the exact daily totals wait in the private state database until their periods are published."
                }
                if let rollUp = spec.rollUp {
                    sentence += " Only \(rollUp.column) values common enough that their presence reveals nothing about one \(policy.unitNoun) are listed on their own; the records of every other value are counted in the row of its category (rows named \(RollUpSpec.key("…")); \(rollUp.categories.count) categories from \(rollUp.file), every one published, zeros included; a value the file does not list counts under \(rollUp.unlisted)), so every counted record is in a published row. The category counts get \(format(rollUp.share * 100))% of the budget above and are chosen after the values are, which sequential composition allows at no extra cost."
                } else if spec.keys.values.contains(.private) {
                    sentence += " Only groups common enough that their presence reveals nothing about one \(policy.unitNoun) are listed."
                } else {
                    sentence += " Every listed group is published, zeros included."
                }
                if let disparity = spec.disparity {
                    sentence += " " + disparity.explanation
                } else {
                    sentence += " Every number comes with the 95% margin of the noise added to it; the margin does not cover the effect of limiting each \(policy.unitNoun)'s contribution, which can only lower counts."
                }
                text.append(sentence)
            }
        }
        var budget = "Privacy budget: at most ε = \(format(policy.budget.perReleaseEpsilon)) per release"
        if let rolling = policy.budget.rolling365DayEpsilon { budget += " and ε = \(format(rolling)) in total over the releases of any 365 days, which bounds what any one \(policy.privacyUnit == nil ? "record" : "person's records") can reveal over a year; a release that would exceed either is refused" }
        text.append(budget + ".")
        if let retention = policy.retention {
            text.append("Retention: records are deleted from the source \(retention.deleteAfter) after their \(retention.measuredFrom)" + (retention.keepIf.map { ", unless \($0) is set" } ?? "") + ".")
        }
        if policy.privacyUnit == nil {
            text.append("Unit of protection: one record. The policy names no column that identifies a person, so someone with many records in a window is protected once per record, that is less than someone with one.")
        }
        text.append("What this does not cover: the protections limit what the published files reveal about any one \(policy.unitNoun); they do not stop someone who already knows a lot about a person from learning what the statistics say about everyone, and they do not protect information published elsewhere.")
        return text
    }

    static func describe(_ hierarchy: HierarchySpec) -> String {
        switch hierarchy {
        case let .time(levels): "time truncated to the \(list(levels.map(\.rawValue), conjunction: "or")), or removed"
        case let .bands(widths, top): "bands of \(list(widths.map(String.init), conjunction: "or")) years or units" + (top.map { ", with everything from \($0) up together" } ?? "") + ", or removed"
        case let .streetBlock(sizes): "the block (\(list(sizes.map(String.init), conjunction: "or")) house numbers), the street alone, or removed"
        case let .prefix(masks): "the last \(list(masks.map(String.init), conjunction: "or")) characters masked, or removed"
        case let .round(places): "rounded to \(list(places.map(String.init), conjunction: "or")) decimal places, or removed"
        case let .file(path): "the levels listed in \(path), or removed"
        }
    }

    static func list(_ items: [String], conjunction: String = "and") -> String {
        switch items.count {
        case 0: return "nothing"
        case 1: return items[0]
        case 2: return "\(items[0]) \(conjunction) \(items[1])"
        default: return items.dropLast().joined(separator: ", ") + ", \(conjunction) \(items[items.count - 1])"
        }
    }

    public static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// "Each person counts in at most G groups and at most R times in each", saying which bound
    /// each release chooses from the data (`auto`).
    public static func contributionSentence(_ contribution: ContributionSpec) -> String {
        func bound(_ value: Int, _ auto: Bool, _ noun: String) -> String {
            auto ? "at most a number of \(noun)s each release chooses from the data (1 to \(value), the 90th percentile of what people contribute, found with differential privacy and 10% of the output's ε)"
                : "at most \(value) \(noun)\(value == 1 ? "" : "s")"
        }
        return "Each person counts in \(bound(contribution.groupsPerUnit, contribution.autoGroups, "group")) and \(bound(contribution.rowsPerUnitPerGroup, contribution.autoRows, "time")) in each."
    }
}
