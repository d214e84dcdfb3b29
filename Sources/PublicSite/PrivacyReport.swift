import Anonymization
import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import ReleaseFormat
import Tabular

/// `privacy-report.json` and `privacy-report.html` of a release: what was
/// done to the data and what it guarantees, for residents, journalists and auditors.
///
/// The HTML is self-contained: semantic markup, inline CSS and inline SVG
/// charts (each with a text alternative and the same numbers in a table); no
/// script, font or file is fetched from anywhere.
public struct PrivacyReport {
    /// What the report says about one record-level file. Only what may be
    /// public: for a differentially private file, the parameters and the
    /// chosen generalisation (outputs of the mechanism) and the number of rows
    /// in the file itself; never how many rows were sampled or suppressed.
    public struct Microdata: Sendable {
        public var output: String
        /// The smallest class size: k of the policy, or the k SafePub derives.
        public var k: Int
        public var lDiversity: String?
        public var records: Int
        /// Records withheld by suppression (plain k-anonymous files only).
        public var suppressed: Int?
        public var levels: [String: Int]
        public var loss: Double?
        public var highestRisk: Double?
        public var averageRisk: Double?
        /// Columns published as they are, with the policy's reason.
        public var insensitive: [String: String]
        /// (ε, δ, β, ε of the sampling, ε of the search) of a differentially private file.
        public var privacy: RecordPrivacy?
        /// Quasi-identifiers published as `*` for more than half of the records (read off the published file).
        public var lost: [LostColumns.Finding] = []
        /// With local recoding (plain files only): each round's levels and the records it published.
        public var rounds: [(levels: [String: Int], records: Int)] = []
        /// What the lost-column warning offers: local recoding, already on, or nothing (DP files).
        public var remedy: LostColumns.Remedy = .none

        public init(output: String, k: Int, lDiversity: String? = nil, records: Int, suppressed: Int? = nil, levels: [String: Int],
                    loss: Double? = nil, highestRisk: Double? = nil, averageRisk: Double? = nil, insensitive: [String: String] = [:],
                    privacy: RecordPrivacy? = nil, lost: [LostColumns.Finding] = [], rounds: [(levels: [String: Int], records: Int)] = [],
                    remedy: LostColumns.Remedy = .none) {
            (self.output, self.k, self.lDiversity, self.records, self.suppressed, self.levels) = (output, k, lDiversity, records, suppressed, levels)
            (self.loss, self.highestRisk, self.averageRisk, self.insensitive) = (loss, highestRisk, averageRisk, insensitive)
            (self.privacy, self.lost, self.rounds, self.remedy) = (privacy, lost, rounds, remedy)
        }
    }

    /// The parameters of a differentially private record file (SafePub, Bild, Kuhn & Prasser 2018):
    /// outputs of the mechanism and the policy, never how many rows were sampled or suppressed.
    public struct RecordPrivacy: Sendable {
        public var epsilon: Double
        public var delta: Double
        /// The sampling probability β.
        public var beta: Double
        public var epsilonSampling: Double
        public var epsilonSearch: Double
        /// d(k, β, ε_anon) achieved by k (≤ δ).
        public var achievedDelta: Double
        /// The smallest class size SafePub derives.
        public var k: Int
        /// The release whose chosen generalisation this file keeps (nil: chosen for this release).
        public var keptFrom: String?
        /// ε spent on the count of people that sized the search (0 when nothing was searched).
        public var epsilonCount: Double
        /// True when the policy fixes the generalisation (`generalization:`): nothing searched.
        public var fixedByPolicy: Bool

        public init(epsilon: Double, delta: Double, beta: Double, epsilonSampling: Double, epsilonSearch: Double, achievedDelta: Double,
                    k: Int, keptFrom: String? = nil, epsilonCount: Double = 0, fixedByPolicy: Bool = false) {
            (self.epsilon, self.delta, self.beta, self.epsilonSampling, self.epsilonSearch) = (epsilon, delta, beta, epsilonSampling, epsilonSearch)
            (self.achievedDelta, self.k, self.keptFrom) = (achievedDelta, k, keptFrom)
            (self.epsilonCount, self.fixedByPolicy) = (epsilonCount, fixedByPolicy)
        }
    }

    /// The release's window: its label and its instants.
    public struct Window: Sendable {
        public var label: String
        public var start: Date
        public var end: Date

        public init(label: String, start: Date, end: Date) {
            (self.label, self.start, self.end) = (label, start, end)
        }
    }

    /// That retention ran before the release, and its rule (the counts stay in the steward's audit).
    public struct RetentionNote: Sendable {
        public var rule: String

        public init(rule: String) {
            self.rule = rule
        }
    }

    public struct Aggregate: Sendable {
        public var output: String
        public var title: String
        public var result: AggregateResult
        public var table: Table
        /// Set for a disparity output: its rates and findings are shown instead of counts.
        public var disparity: DisparitySpec? = nil

        public init(output: String, title: String, result: AggregateResult, table: Table, disparity: DisparitySpec? = nil) {
            (self.output, self.title, self.result, self.table, self.disparity) = (output, title, result, table, disparity)
        }
    }

    public var policy: Policy
    public var release: String
    public var window: Window
    public var microdata: [Microdata]
    public var aggregates: [Aggregate]
    /// Every per-person cap this population was released under (public, and through the signed
    /// manifest of each report, in the transparency log).
    public var capHistory: [(epsilon: Double?, delta: Double?, dataset: String, firstWindow: String)] = []
    public var retention: RetentionNote?

    public init(policy: Policy, release: String, window: Window, microdata: [Microdata], aggregates: [Aggregate],
                retention: RetentionNote?) {
        (self.policy, self.release, self.window, self.microdata, self.aggregates, self.retention) = (policy, release, window, microdata,
                                                                                                  aggregates, retention)
    }

    /// ε of the whole release: every output composed, as the ledger charges it (``PrivacyCost``).
    var releaseEpsilon: Double { policy.releaseCost.converted.epsilon }

    /// The report as its typed document.
    public var document: Document {
        let formatter = ISO8601DateFormatter()
        let treatments = Dictionary(grouping: policy.columns, by: { $0.treatment.keyword }).mapValues { $0.map(\.name) }
        return Document(
            dataset: policy.dataset.id, release: release,
            window: .init(label: window.label, start: formatter.string(from: window.start), end: formatter.string(from: window.end)),
            policyExplained: PolicyExplainer.explain(policy), columns: treatments,
            guarantee: .init(kind: policy.dataset.guarantee.rawValue, statement: GuaranteeCheck.statement(for: policy),
                             membershipHidden: policy.dataset.guarantee == .differentialPrivacy),
            microdata: microdata.map { item in
                Document.Microdata(
                    output: item.output, k: item.k, records: item.records, generalizationLevels: item.levels,
                    insensitiveColumns: item.insensitive,
                    columnsLost: item.lost.map { .init(column: $0.column, shareRemoved: ($0.share * 100).rounded() / 100) },
                    differentialPrivacy: item.privacy.map { privacy in
                        .init(epsilon: privacy.epsilon, delta: privacy.delta, samplingProbability: privacy.beta,
                              epsilonSampling: privacy.epsilonSampling, epsilonSearch: privacy.epsilonSearch,
                              epsilonCount: privacy.epsilonCount > 0 ? privacy.epsilonCount : nil,
                              deltaAchieved: privacy.achievedDelta, keptFrom: privacy.keptFrom,
                              fixedByPolicy: privacy.fixedByPolicy ? true : nil,
                              mechanism: privacy.fixedByPolicy
                                ? "SafePub (Bild, Kuhn & Prasser 2018) with the generalisation fixed by the policy: Bernoulli sampling, classes under k suppressed; nothing searched"
                                : "SafePub (Bild, Kuhn & Prasser 2018): Bernoulli sampling, exponential-mechanism choice of the generalisation among candidates sized by a DP count of people, classes under k suppressed")
                    },
                    plain: item.privacy != nil ? nil : .init(
                        lDiversity: item.lDiversity, suppressed: item.suppressed, recoding: item.rounds.isEmpty ? "global" : "local",
                        localRecodingRounds: item.rounds.isEmpty ? nil : item.rounds.map { .init(generalizationLevels: $0.levels, records: $0.records) },
                        informationLoss: item.loss.flatMap { $0.isFinite ? $0 : nil }, highestProsecutorRisk: item.highestRisk,
                        averageProsecutorRisk: item.averageRisk))
            },
            aggregates: aggregates.map { item in
                Document.Aggregate(
                    output: item.output, epsilon: item.result.epsilon, delta: item.result.delta, rho: item.result.rho,
                    groups: item.table.rowCount, partitionThreshold: item.result.threshold,
                    statistics: item.result.noise.map { noise in
                        let law: Document.Noise
                        switch noise.distribution {
                        case let .discreteLaplace(scale) where noise.pooledWidth != nil || noise.postProcessing.hasPrefix("pooled with"):
                            // A count and mean pooled into two noisy bin sums (PooledSums); the scale is each sum's noise.
                            law = .init(mechanism: "discrete Laplace on two bin sums Σ(x − L) and Σ(H − x), shared by the count and the mean", scale: scale,
                                        pooledWidth: noise.pooledWidth)
                        case let .discreteLaplace(scale) where noise.postProcessing.hasPrefix("exponential mechanism"):
                            // A quantile: the exponential mechanism over ranks (QuantileMechanism); the scale is its utility's.
                            law = .init(mechanism: "exponential mechanism over ranks", utilityScale: scale)
                        default: law = Self.noiseLaw(noise.distribution)
                        }
                        return .init(statistic: noise.statistic, share: noise.share, noise: law, marginOfError95: noise.margin,
                                     postProcessing: noise.postProcessing)
                    },
                    disparity: item.disparity.map { disparity in
                        .init(compared: disparity.group, outcome: disparity.outcome.phrase, reference: disparity.reference ?? "overall",
                              minimumGroupSize: disparity.minimumSize, method: disparity.explanation)
                    },
                    recordsLeftOut: item.result.leftOut.map { leftOut in
                        let disclosure = BoundingDisclosure(item.result)
                        return .init(estimate: leftOut.estimate, marginOfError95: leftOut.margin, perPersonCap: leftOut.capPerUnit,
                              shareOfRecords: disclosure?.share, privacyShare: leftOut.share,
                              mechanism: leftOut.capPerUnit == 0
                                ? "none: record-level bounding leaves nothing out, so that figure is 0 without noise; the counted total carries noise of sensitivity 1 at the whole privacy share"
                                : Self.mechanismName(leftOut.distribution) + " on the sum over people of their left-out records, each capped",
                              countedTotal: leftOut.countedTotal, countedTotalMargin95: leftOut.countedTotalMargin,
                              shareInUnpublishedGroups: disclosure?.unpublishedShare)
                    },
                    contributionChosen: item.result.chosenBounds.map { chosen in
                        .init(groupsPerUnit: chosen.groupsPerUnit, rowsPerUnitPerGroup: chosen.rowsPerUnitPerGroup, chosen: chosen.chosen,
                              privacyShare: chosen.share,
                              mechanism: "exponential mechanism (ε \(chosen.epsilonPerChoice) each) for the \(AutoContribution.quantile.formatted()) quantile of each person's contribution, over 1…\(AutoContribution.cap)")
                    },
                    rollUp: rollUpDocument(item))
            },
            budget: .init(releaseEpsilon: releaseEpsilon, perReleaseCap: policy.budget.perReleaseEpsilon, population: policy.population,
                          capHistory: capHistory.map { .init(epsilonCap: $0.epsilon, deltaCap: $0.delta, dataset: $0.dataset,
                                                             fromWindow: $0.firstWindow) },
                          rolling365DayCap: policy.budget.rolling365DayEpsilon),
            // Exact counts of deleted and held records stay in the steward's log and the state
            // database: a count of deleted records equals the exact size of a day published earlier.
            retention: retention.map { .init(rule: $0.rule, ran: true) })
    }

    /// The report's account of an output's roll-up, when it has one.
    func rollUpDocument(_ item: Aggregate) -> Document.RollUp? {
        guard let noise = item.result.rollUp,
              let spec = policy.outputs.lazy.compactMap({ output -> RollUpSpec? in
                  guard output.id == item.output, case let .aggregate(spec) = output.kind else { return nil }
                  return spec.rollUp
              }).first else { return nil }
        return .init(column: spec.column, hierarchy: spec.file, categoryRows: item.result.categoryRows.count,
                     members: spec.membersArePublic ? Dictionary(grouping: spec.categoryOf.keys.sorted(), by: { spec.categoryOf[$0] ?? spec.unlisted }) : nil,
                     listedValues: spec.membersArePublic ? Dictionary(spec.categoryOf.values.map { ($0, 1) }, uniquingKeysWith: +) : nil,
                     unlisted: spec.unlisted, privacyShare: noise.share, sensitivity: noise.sensitivity, noise: Self.noiseLaw(noise.distribution),
                     marginOfError95: noise.margin,
                     mechanism: "after partition selection, every bounded record of a \(spec.column) value it did not publish is counted under that value's category (public keys, every category published, zeros included); \(Self.mechanismName(noise.distribution)) per category count, sensitivity \(noise.sensitivity) in all (sequential composition with the selection, whose output it reads); negative counts are published as 0",
                     shareInCategoryRows: BoundingDisclosure(item.result)?.unpublishedShare)
    }

    /// A noise added to a value as is, as the report's JSON gives it.
    static func noiseLaw(_ distribution: NoiseDistribution) -> Document.Noise {
        switch distribution {
        case let .discreteLaplace(scale): .init(mechanism: "discrete Laplace", scale: scale)
        case let .discreteGaussian(sigmaSquared): .init(mechanism: "discrete Gaussian", sigmaSquared: sigmaSquared)
        }
    }

    /// The name of a noise law, as the report gives it.
    static func mechanismName(_ distribution: NoiseDistribution) -> String {
        switch distribution {
        case let .discreteLaplace(scale): "discrete Laplace, scale \(scale)"
        case let .discreteGaussian(sigmaSquared): "discrete Gaussian, σ² \(sigmaSquared)"
        }
    }

    /// Canonical JSON of ``document``.
    /// - Throws: ``ReleaseFormat/ReleaseFormatError/malformed(file:reason:)`` only if a value cannot be encoded (a non-finite number).
    public func json() throws(ReleaseFormatError) -> Data {
        try CanonicalJSON.encode(document)
    }

    /// The HTML page.
    public func html() -> String {
        let covering = ", covering \(window.label) (\(policy.source.timezone) calendar days). Published by \(policy.dataset.publisher) under \(policy.dataset.license)."
        let header = HTMLNode.el("header", .el("h1", .text(policy.dataset.title)),
                                 .el("p", .text("Release "), .el("strong", .text(release)), .text(covering)))
        var main: [HTMLNode] = [.newline]
        let how = PolicyExplainer.explain(policy).flatMap { paragraph -> [HTMLNode] in [.el("p", .text(paragraph)), .newline] }
        main += [.section(id: "how", heading: "How this data was protected", [.newline] + how), .newline]
        main += [.section(id: "guarantee", heading: "What this release guarantees", [.el("p", .text(GuaranteeCheck.statement(for: policy)))]), .newline]
        let plain = microdata.filter { $0.privacy == nil }
        if !plain.isEmpty {
            main += [.section(id: "records", heading: "Record-level files (k-anonymity)", [.newline, plainTable(plain), .el("p", .text(
                "The risks are those of someone who already knows a person is in this file; membership itself is not hidden."))]), .newline]
        }
        for item in microdata { main += microdataNotes(item) }
        for item in aggregates { main += [aggregateSection(item), .newline] }
        main += [.section(id: "budget", heading: "Privacy budget", [.el("p", children: budgetSentences)]), .newline]
        if let retention {
            main += [.section(id: "retention", heading: "Retention", [.el("p", .text(
                "\(retention.rule): applied before this release. The number of records deleted is kept in the publisher's audit trail, not published here, because it would be an exact count of protected records."))]),
                     .newline]
        }
        let footer = HTMLNode.el("footer", .el("p", .text("Verify this release: "), .el("code", .text("minisign -Vm manifest.json -p release.pub")),
                                               .text(" or "), .el("code", .text("opendata verify . --key release.pub")), .text(".")))
        return HTMLNode.document(title: "Privacy report: \(policy.dataset.title), \(release)", style: Self.style,
                                 body: [header, .newline, .el("main", children: main), .newline, footer, .newline]).render()
    }

    /// The report's inline style sheet (constant markup).
    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.5}
        h1,h2{color:#0b3d63}table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left}
        caption{text-align:left;font-weight:600}svg{max-width:100%;height:auto}code{background:#f0f0f0;padding:0 .2rem}
        @media print{body{max-width:none}section{break-inside:avoid}}
        """

    /// The table of protection achieved in each plain (k-anonymous) record-level file.
    func plainTable(_ plain: [Microdata]) -> HTMLNode {
        let headings = ["File", "Records published", "Records withheld", "Each record matches at least", "Highest re-identification risk", "Average risk"]
        let rows = plain.flatMap { item -> [HTMLNode] in
            let matches = "\(item.k - 1) other people\(item.lDiversity.map { "; \($0)" } ?? "")"
            let cells = ["\(item.records)", "\(item.suppressed ?? 0)", matches,
                         String(format: "%.1f%%", (item.highestRisk ?? 0) * 100), String(format: "%.2f%%", (item.averageRisk ?? 0) * 100)]
            return [.row(item.output, cells), .newline]
        }
        return .el("table", .el("caption", .text("Protection achieved in each record-level file")), .columnHeadings(headings),
                   .el("tbody", children: [.newline] + rows))
    }

    /// What the report says about one record-level file beyond the table: its differential
    /// privacy, columns mostly lost to generalisation, local recoding rounds, and columns
    /// published as recorded.
    func microdataNotes(_ item: Microdata) -> [HTMLNode] {
        var nodes: [HTMLNode] = []
        if let privacy = item.privacy {
            let levels = item.levels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            nodes += [.section(id: item.output, heading: "Record-level file \(item.output) (differential privacy)", [
                .el("p", .text("Differential privacy: ε = \(format(privacy.epsilon)), δ = \(privacy.delta). Each \(policy.unitNoun)'s record was drawn into a random sample with probability \(String(format: "%.3f", privacy.beta)); \(privacy.fixedByPolicy ? "the coarsening was fixed by the policy, so nothing was spent on choosing it and the whole ε paid for the sample" : privacy.keptFrom.map { "the coarsening is the one chosen for release \($0) and kept for the month, so the columns stay the same from night to night (nothing spent on choosing it)" } ?? "the coarsening was chosen at random among those a noisy count of \(policy.unitNoun)s (ε = \(format(privacy.epsilonCount))) says can keep groups of \(privacy.k), favouring those that publish the most, in the most detail (ε = \(format(privacy.epsilonSearch)) of the total), and is kept for the rest of the month while it publishes at least half its expected sample"); every group of look-alike records with fewer than \(privacy.k) sampled records was removed. \(item.records) records are published. How many were sampled or removed is not published: those numbers are not protected.")),
                .el("p", .text("Levels \(privacy.fixedByPolicy ? "fixed by the policy" : "chosen"): \(levels) (0 is the original value; the highest level is removed).")),
            ]), .newline]
        }
        for finding in item.lost {
            nodes += [.el("p", ["class": "warning"], .el("strong", .text("\(item.output): \(LostColumns.sentence(finding, k: item.k, remedy: item.remedy))."))), .newline]
        }
        if !item.rounds.isEmpty {
            let described = item.rounds.enumerated().map { index, round in
                "round \(index + 1): \(round.records) records at \(round.levels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"
            }
            nodes += [.el("p", .text("\(item.output) uses local recoding: the records one coarsening would have removed were coarsened again on their own, each round at least as coarse as the one before, every group still of at least \(item.k) records. \(described.joined(separator: "; ")) (0 is the original value).")),
                      .newline]
        }
        for (column, reason) in item.insensitive.sorted(by: { $0.key < $1.key }) {
            nodes += [.el("p", .text("\(item.output): \(column) is published as recorded and not treated as identifying, because: \(reason)")), .newline]
        }
        return nodes
    }

    /// One aggregate output's section: its privacy parameters and noise, then its chart (or, for
    /// a disparity output, the method and the rates with their intervals).
    func aggregateSection(_ item: Aggregate) -> HTMLNode {
        var parameters = policy.dataset.guarantee == .differentialPrivacy
            ? "Differential privacy: ε = \(format(item.result.epsilon))\(item.result.delta.map { ", δ = \($0)" } ?? ""). "
            : "Random noise added (scale set by ε = \(format(item.result.epsilon))); beside this dataset's record-level file the table is not differentially private. "
        if let disparity = item.disparity {
            parameters += "Each count has noise within ±\(format(item.result.noise.first?.margin ?? 0)) at 95%."
            return .section(id: item.output, heading: item.title, [
                .newline, .el("p", .text(parameters)), .newline, .el("p", .text(disparity.explanation)), .newline,
                DisparityTable.charts(item.result, disparity: disparity, id: item.output),
            ])
        }
        for noise in item.result.noise {
            parameters += "\(noise.statistic): ±\(format(noise.margin)) at 95% (\(noise.postProcessing)). "
        }
        if let rollUp = item.result.rollUp {
            parameters += "Category rows (keys starting \"category: \"): ±\(format(rollUp.margin)) at 95%; each counts the records of every value in that category not listed on its own. "
        }
        if let disclosure = BoundingDisclosure(item.result) {
            parameters += disclosure.sentence() + " "
        }
        return .section(id: item.output, heading: item.title, [.newline, .el("p", .text(parameters)), .newline, chart(item)])
    }

    /// The sentences of the budget section: what this release spent, the cap per person and how it changed.
    var budgetSentences: [HTMLNode] {
        var sentences: [HTMLNode] = [.text("This release used ε = \(format(releaseEpsilon)) of the \(format(policy.budget.perReleaseEpsilon)) allowed per release.")]
        if let cap = policy.budget.rolling365DayEpsilon, policy.privacyUnit == nil {
            sentences.append(.text(" The policy names no column that identifies a person, so each record is its own unit: every record is charged for the releases of the window it falls in, at most ε = \(format(cap)) over any 365 days, and a release that would pass that is refused. Someone with many records is protected once per record."))
        } else if let cap = policy.budget.rolling365DayEpsilon {
            sentences.append(.text(" Each person is charged only for the releases that hold their records, in one budget shared by every dataset about the same people (\(policy.population)): at most ε = \(format(cap)) over any 365 days. Anyone whose charges would pass that is left out of a release ("))
            // Constant text, written with a bare `&` as the report always has been (valid HTML before a space).
            sentences.append(.raw("Ebadi, Sands & Schneider 2015"))
            sentences.append(.text(": personalised differential privacy with silent exclusion)."))
        }
        if capHistory.count > 1 {
            let changes = capHistory.map { "ε \($0.epsilon.map(format) ?? "none") from \($0.dataset) \($0.firstWindow)" }.joined(separator: ", then ")
            sentences.append(.text(" The cap per person has changed over time: \(changes)."))
        }
        return sentences
    }

    /// An inline SVG bar chart of the first statistic with 95% error bars, plus the same numbers as a table.
    func chart(_ item: Aggregate) -> HTMLNode {
        guard let statistic = item.result.statistics.first, let column = item.table.column(named: statistic) else { return .fragment([]) }
        let keyCount = item.table.columnNames.count - 2 * item.result.statistics.count
        let rows = Array(0..<min(item.table.rowCount, 40))
        guard !rows.isEmpty else { return .fragment([.el("p", .text("No groups were published in this release.")), .newline]) }
        let margins = item.table.column(named: OutputColumns.margin(statistic))
        let values = rows.map { Double(column[$0] ?? "0") ?? 0 }
        let errors = rows.map { Double(margins?[$0] ?? "0") ?? 0 }
        // Keyed labels: "district 1 · received_at 2026-12-03 · priority 4", not "1 · 2026-12-03 · 4".
        let labels = rows.map { row in
            (0..<keyCount).compactMap { index in item.table.columns[index][row].map { "\(item.table.columnNames[index]) \($0)" } }.joined(separator: " · ")
        }
        let top = max(zip(values, errors).map { $0 + $1 }.max() ?? 1, 1)
        let barHeight = 18, gap = 6, labelWidth = 260, plotWidth = 420
        let height = rows.count * (barHeight + gap) + 30
        var bars: [HTMLNode] = []
        for (index, value) in values.enumerated() {
            let y = index * (barHeight + gap) + 10
            let width = Int(Double(plotWidth) * max(value, 0) / top)
            let low = Int(Double(plotWidth) * max(value - errors[index], 0) / top)
            let high = Int(Double(plotWidth) * (value + errors[index]) / top)
            bars.append(.el("text", ["x": "\(labelWidth - 6)", "y": "\(y + 13)", "text-anchor": "end", "font-size": "12", "fill": "#1a1a1a"], .text(labels[index])))
            bars.append(.el("rect", ["x": "\(labelWidth)", "y": "\(y)", "width": "\(width)", "height": "\(barHeight)", "fill": "#1f5f8b"]))
            bars.append(.el("line", ["x1": "\(labelWidth + low)", "x2": "\(labelWidth + high)", "y1": "\(y + barHeight / 2)", "y2": "\(y + barHeight / 2)",
                                     "stroke": "#b3261e", "stroke-width": "2"]))
        }
        let svg = HTMLNode.chartSVG(id: item.output, viewBox: "0 0 \(labelWidth + plotWidth + 60) \(height)",
                                    title: "\(statistic) per group, with 95% margins of error",
                                    description: "Horizontal bars for \(rows.count) groups; the same values are in the table below.", bars)
        let shown = item.table.rowCount > rows.count ? " (first \(rows.count) of \(item.table.rowCount) groups)" : ""
        let caption = "\(statistic) by \(item.table.columnNames.prefix(keyCount).joined(separator: ", ")); red lines show the 95% margin of error\(shown)."
        let table = HTMLNode.el("table", .el("caption", .text("\(statistic) with margins of error")), .columnHeadings(["Group", statistic, "± 95%"]),
                                .el("tbody", children: labels.enumerated().map { index, label in .row(label, [format(values[index]), format(errors[index])]) }))
        return .fragment([.el("figure", svg, .el("figcaption", .text(caption))), .newline, table, .newline])
    }

    func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }
}
