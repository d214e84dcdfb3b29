import Anonymization
import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Tabular

/// A differentially private record-level output: SafePub (Bild, Kuhn &
/// Prasser, "SafePub: A Truthful Data Anonymization Algorithm With Strong
/// Privacy Guarantees", PETS 2018), the algorithm ARX ships as its
/// "(ε, δ)-differential privacy" model, with a search that stays useful on small samples.
///
/// Steps, for an output with `privacy: {epsilon: ε, delta: δ}`:
/// 1. One row per person (``RecordSelection/onePerUnit(_:policy:columns:sampler:)``),
///    so a neighbouring dataset (one person more or less) differs in one row.
/// 2. Where the generalisation comes from, decided before the data is read:
///    - fixed by the policy (`generalization:`): no search; the whole ε pays for sampling;
///    - kept: later nights of a calendar month (in the policy's zone) reuse the levels the
///      month's latest earlier file published, when that file published at least half of its
///      expected sample (½·β·n̂, both outputs of DP mechanisms): reusing them is post-processing
///      of earlier releases; the whole ε pays for sampling and the columns stay the same;
///    - chosen: otherwise (a month's first night, or after a file that published too little),
///      ε is split: ε_count = 2% of ε for a count of the people, ε_search = 30% for the choice,
///      ε_anon = the rest for sampling and suppression.
/// 3. (Chosen only.) n̂ = n + Z, Z discrete Laplace of scale ≥ 1/ε_count: ε_count-DP (one person
///    changes n by 1). From n̂, β and k the candidate generalisations are fixed
///    (``RecordSearchCandidates``): a function of public facts and n̂ alone.
/// 4. Each row is drawn with probability β = 1 − e^(−ε_anon) (exact Bernoulli,
///    OS CSPRNG); k is the smallest integer with d(k, β, ε_anon) ≤ δ
///    (``SafePubParameters``, Li, Qardaji & Su 2012, Thm. 5).
/// 5. (Chosen only.) The candidates are scored on the sample with a utility of sensitivity
///    Δu = 4·m·D that never falls when a record is added (``SafeKAnonymizer``), and one is
///    chosen by the exponential mechanism for monotone utilities, P ∝ exp(ε_search·u/Δu)
///    (``ExponentialSelection``): ε_search-DP.
/// 6. The sample is generalised with the levels, every class of fewer than k sampled
///    rows is suppressed (removed), and the rows are written in random order.
///
/// Guarantee: the published file is (ε, δ)-differentially private with respect to adding or
/// removing one person. Chosen: ε_count + ε_search + ε_anon ≤ ε (each share is rounded down to
/// an exact fraction), by sequential composition: the count is ε_count-DP; given n̂, steps 4 and 6
/// with a fixed transformation are (ε_anon, δ)-DP by the theorem; choosing the transformation on
/// the same sample with an ε_search-DP mechanism and then using it composes as SafePub's Thm. 2
/// shows (Dwork & Roth 2014, Thm. 3.16, for the adaptive sequence). Kept or fixed: the
/// transformation is fixed before this night's data is read (earlier DP outputs, or the policy),
/// so the file is (ε, δ)-DP with ε_anon = ε by the theorem alone.
/// Only the generalised, k-suppressed sample and the chosen levels are ever published: the
/// number of sampled or suppressed rows is not (it is not covered by the theorem), nor any risk
/// or loss figure of the sample; n̂ is kept in the private state (it is DP, so later nights may
/// use it).
///
/// ℓ-diversity and t-closeness settings of such an output are not applied:
/// the sensitive column is part of each record like every other column, and
/// the DP guarantee bounds what the file reveals about anyone's value of it.
public enum DPMicrodataRelease {
    /// Share of ε spent on choosing the transformation on a night that chooses.
    public static let searchShare = 0.3
    /// Share of ε spent on the count of people that sizes the search's candidates, on a night that chooses.
    public static let countShare = 0.02

    /// One column of stored records.
    public struct StoredColumn: Sendable, Codable, Equatable {
        public var name: String
        public var dictionary: [String]
        public var codes: [Int32]

        public init(name: String, dictionary: [String], codes: [Int32]) {
            self.name = name
            self.dictionary = dictionary
            self.codes = codes
        }

        private enum CodingKeys: String, CodingKey { case name, dictionary, codes, packedCodes }

        /// Codes are stored packed (little-endian 32-bit words, base64 in JSON): a backfill keeps
        /// hundreds of thousands of records, which as a JSON array of numbers took seconds to write.
        /// Releases stored before that, with `codes` as an array, still read.
        ///
        /// - Throws: The error of `encoder` when a value cannot be encoded.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(dictionary, forKey: .dictionary)
            try container.encode(codes.withUnsafeBufferPointer { words in
                Data(words.map { UInt32(bitPattern: $0).littleEndian }.withUnsafeBytes { Array($0) })
            }, forKey: .packedCodes)
        }

        /// Reads a stored column, its codes packed or, from older releases, as an array.
        ///
        /// - Throws: `DecodingError.dataCorrupted` when the packed codes are not whole 32-bit words or a code
        ///   lies outside the column's dictionary; the error of `decoder` when a key is missing or of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            dictionary = try container.decode([String].self, forKey: .dictionary)
            if let packed = try container.decodeIfPresent(Data.self, forKey: .packedCodes) {
                guard packed.count % 4 == 0 else {
                    throw DecodingError.dataCorruptedError(forKey: .packedCodes, in: container,
                                                           debugDescription: "packed codes are not whole 32-bit words")
                }
                let bytes = [UInt8](packed)
                codes = stride(from: 0, to: bytes.count, by: 4).map { offset in
                    Int32(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                        | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
                }
            } else {
                codes = try container.decode([Int32].self, forKey: .codes)
            }
            guard codes.allSatisfy({ $0 == Column.nullCode || ($0 >= 0 && Int($0) < dictionary.count) }) else {
                throw DecodingError.dataCorruptedError(forKey: .codes, in: container,
                                                       debugDescription: "a stored code lies outside its column's dictionary")
            }
        }
    }

    /// The released records of one output, as published and as kept in the
    /// state database so a re-run republishes them instead of sampling again.
    public struct Records: Sendable, Codable {
        public var output: String
        public var columns: [StoredColumn]
        /// Chosen generalisation level of each column.
        public var levels: [String: Int]
        public var epsilon: Double
        public var delta: Double
        public var epsilonSampling: Double
        public var epsilonSearch: Double
        public var beta: Double
        public var k: Int
        /// d(k, β, ε_anon) achieved by k (≤ δ).
        public var achievedDelta: Double
        /// The release whose chosen generalisation these records keep (nil: chosen for this one).
        public var keptFrom: String? = nil
        /// ε spent on the count of people (nil or 0: no count, the levels were kept or fixed).
        public var epsilonCount: Double? = nil
        /// The differentially private count n̂ of people that sized the search (here or, for kept
        /// levels, in the release that chose them). Private state: never published.
        public var noisyPeople: Int64? = nil
        /// True when the policy fixes the generalisation (`generalization:`).
        public var fixedByPolicy: Bool? = nil

        /// The records as a table.
        public var table: Table {
            Table(columns: columns.map { Column(name: $0.name, dictionary: $0.dictionary, codes: $0.codes) })
        }
    }

    /// `table` without the rows whose every column is `*`: a generalisation that removes every
    /// column leaves rows that say nothing but that a record exists, which Table Schema reads as
    /// blank rows. Dropping them is post-processing of the mechanism's output (no privacy cost).
    static func withoutBlankRows(_ table: Table) -> Table {
        guard table.rowCount > 0, !table.columns.isEmpty else { return table }
        let keep = (0..<table.rowCount).map { row in table.columns.contains { ($0[row] ?? "*") != "*" } }
        return keep.allSatisfy { $0 } ? table : Table(columns: table.columns.map { $0.filtered(keeping: keep) })
    }

    /// What an output's (ε, δ) give (no data involved). With `choosing`, ε is split between the count,
    /// the search and sampling; otherwise (levels kept or fixed by the policy) the whole ε pays for sampling.
    /// The shares are whole millionths of ε rounded down (count and search each rounded down, sampling
    /// the rest, given a Double just below it), so count + search + sampling ≤ ε in exact arithmetic.
    public static func parameters(_ privacy: MicrodataPrivacy, choosing: Bool = true)
        -> (sampling: Double, search: Double, count: Double, beta: Double, exponent: Fraction, safe: SafePubParameters) {
        // In whole millionths, exactly: ε rounded down, each share of it rounded down, sampling the rest.
        let total = Fraction.scaledFloor(privacy.epsilon, 1_000_000)
        let searchMillionths = choosing ? total * Int((searchShare * 100).rounded()) / 100 : 0
        let countMillionths = choosing ? total * Int((countShare * 100).rounded()) / 100 : 0
        let search = Double(searchMillionths) / 1_000_000, count = Double(countMillionths) / 1_000_000
        // Choosing: a Double no larger than the exact remainder, so β, k and δ are computed at most at it.
        let sampling = choosing ? (Double(total - searchMillionths - countMillionths) / 1_000_000).nextDown : privacy.epsilon
        let (beta, exponent) = SafePubParameters.sampleRate(epsilon: sampling)
        return (sampling, search, count, beta, exponent, SafePubParameters(epsilon: sampling, delta: privacy.delta, beta: beta))
    }

    /// The levels `spec`'s `generalization:` fixes, in the order of `spec.columns` (nil when it fixes none).
    /// - Throws: the reason, when a level names none of its column's hierarchy (``PolicyCheck`` reports it first).
    static func declaredLevels(_ spec: MicrodataSpec, of policy: Policy, recipes: [HierarchyRecipe]) throws -> [Int]? {
        guard let declared = spec.generalization else { return nil }
        let written = Dictionary(declared.map { ($0.column, $0.level) }, uniquingKeysWith: { first, _ in first })
        return try zip(spec.columns, recipes).map { column, recipe in
            guard let word = written[column] else { return 0 }
            let treatment = policy.treatment(of: column) ?? .keep
            switch GeneralizationLevels.level(word, of: treatment, fileHeight: recipe.height) {
            case let .level(level): return level
            case let .problem(sentence): throw PublisherError.usage("generalization.\(column) \(sentence)")
            }
        }
    }

    /// Samples, counts, scores, chooses and suppresses as described above. Spends no
    /// budget itself: the caller records the spend before anything is published.
    ///
    /// - Throws: ``PublisherError/usage(_:)`` when `output` is not a differentially private microdata output
    ///   or the time zone is unknown; ``PublisherError/refused(_:)`` for a non-cryptographic random source, or
    ///   when scoring or suppression fails; ``PublisherError/invalidPolicy(_:)`` at the output's line when a
    ///   column's hierarchy cannot be built or loaded, or a level of its `generalization:` names none.
    /// - Parameters:
    ///   - window: the release window (public); it bounds the values a time column can show.
    ///   - kept: the levels to reuse from an earlier release this month (see ``DatasetRelease``), the release
    ///     that chose them and the count n̂ that sized that choice; nil when this night chooses. Ignored when
    ///     the policy fixes the generalisation.
    public static func prepare(_ output: OutputSpec, of policy: Policy, table: Table, window: ReleaseWindow, random: RandomSource,
                               kept: (levels: [String: Int], release: String, noisyPeople: Int64?)? = nil,
                               progress: StageProgress? = nil) throws(PublisherError) -> (records: Records, selected: RecordSelection.Selected) {
        guard case let .microdata(spec) = output.kind, let privacy = spec.privacy else {
            throw .usage("output '\(output.id)' is not a differentially private microdata output")
        }
        guard random.isCryptographic else {
            throw .refused("releases need the operating system's CSPRNG; a seeded generator is for tests only")
        }
        guard let zone = TimeZone(identifier: policy.source.timezone) else {
            throw .usage("unknown time zone \(policy.source.timezone)")
        }
        let sampler = ExactSampler(random: random)
        // The lattice's shape, from the policy alone. A timestamp to the second and an exact street
        // address are never candidates: no class of k sampled people shares one in practice.
        var recipes: [HierarchyRecipe] = []
        var lowest: [Int] = []
        let declared: [Int]?
        do {
            for (_, role) in try MicrodataPlanner.roles(spec, of: policy, zone: zone) {
                var recipe = HierarchyRecipe.valueOrSuppressed
                if case let .quasiIdentifier(chosen) = role { recipe = chosen }
                recipes.append(recipe)
                switch recipe {
                case .time, .streetBlock: lowest.append(1)
                default: lowest.append(0)
                }
            }
            declared = try declaredLevels(spec, of: policy, recipes: recipes)
        } catch {
            throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': \(error)")]))
        }
        // Levels kept from earlier in the month must name exactly this output's columns.
        let kept = declared != nil ? nil : kept.flatMap { Set($0.levels.keys) == Set(spec.columns) ? $0 : nil }
        let choosing = declared == nil && kept == nil
        let (sampling, search, count, beta, exponent, safe) = parameters(privacy, choosing: choosing)
        let selected = RecordSelection.onePerUnit(table, policy: policy, columns: spec.columns, sampler: sampler)
        // n̂: ε_count-DP (discrete Laplace of scale 1/ε_count rounded up; one person changes the count by 1).
        var noisyPeople = kept?.noisyPeople
        if choosing {
            // ε_count rounded down to millionths: d/10⁶ ≤ ε_count, scale 10⁶/d ≥ 1/ε_count.
            let millionths = UInt64(max(Fraction.scaledFloor(count, 1_000_000), 1))
            let noise = sampler.discreteLaplace(scaleNumerator: 1_000_000, scaleDenominator: millionths)
            noisyPeople = Int64(selected.table.rowCount) + noise
        }
        let sample = RecordSelection.sample(selected.table, exponent: exponent, sampler: sampler)
        var hierarchies: [Hierarchy] = []
        do {
            for (column, recipe) in zip(spec.columns, recipes) {
                hierarchies.append(try MicrodataPlanner.hierarchy(recipe, for: sample.column(named: column), named: column))
            }
        } catch {
            throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': \(error)")]))
        }
        let heights = recipes.map(\.height)
        let stage = "\(policy.dataset.id)/\(output.id): scoring generalisations"
        let released: Table
        do {
            let levels: [Int]
            if let declared {
                levels = declared
            } else if let kept {
                levels = spec.columns.map { kept.levels[$0] ?? 0 }
            } else {
                let classes = beta * Double(max(noisyPeople ?? 0, 0)) / Double(safe.k)
                let candidates = RecordSearchCandidates.nodes(recipes: recipes, lowest: lowest, start: window.start, end: window.end,
                                                              classes: classes)
                let scores = try SafeKAnonymizer.utilities(sample, hierarchies: hierarchies, heights: heights, lowest: lowest, k: safe.k,
                                                           progress: progress.map { progress in
                                                               { @Sendable done, size in progress("\(stage), \(done) of \(size)", Double(done) / Double(size)) }
                                                           })
                let position = Dictionary(uniqueKeysWithValues: scores.nodes.enumerated().map { ($1, $0) })
                let scored = candidates.compactMap { node in position[node].map { (node, scores.utilities[$0]) } }
                guard !scored.isEmpty else { throw PublisherError.refused("no candidate generalisation (the lattice is empty)") }
                let chosen = ExponentialSelection.choose(utilities: scored.map(\.1), epsilon: Fraction.below(search),
                                                         sensitivity: scores.sensitivity, monotone: scores.monotone, sampler: sampler)
                levels = scored[chosen].0
            }
            released = Self.withoutBlankRows(RecordSelection.shuffled(
                try SafeKAnonymizer.apply(sample, hierarchies: hierarchies, levels: levels, k: safe.k), sampler: sampler))
            let records = Records(output: output.id,
                                  columns: spec.columns.compactMap { name in
                                      released.column(named: name).map { StoredColumn(name: name, dictionary: $0.dictionary, codes: $0.codes) }
                                  },
                                  levels: Dictionary(uniqueKeysWithValues: zip(spec.columns, levels)),
                                  epsilon: privacy.epsilon, delta: privacy.delta, epsilonSampling: sampling, epsilonSearch: search,
                                  beta: beta, k: safe.k, achievedDelta: safe.achievedDelta, keptFrom: kept?.release,
                                  epsilonCount: choosing ? count : nil, noisyPeople: declared == nil ? noisyPeople : nil,
                                  fixedByPolicy: declared != nil ? true : nil)
            return (records, selected)
        } catch {
            throw .refused("output '\(output.id)': \(error)")
        }
    }
}
