import Anonymization
import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Tabular

/// A differentially private record-level output: SafePub (Bild, Kuhn &
/// Prasser, "SafePub: A Truthful Data Anonymization Algorithm With Strong
/// Privacy Guarantees", PETS 2018), the algorithm ARX ships as its
/// "(ε, δ)-differential privacy" model.
///
/// Steps, for an output with `privacy: {epsilon: ε, delta: δ}`:
/// 1. One row per person (``RecordSelection/onePerUnit(_:policy:columns:sampler:)``),
///    so a neighbouring dataset (one person more or less) differs in one row.
/// 2. The generalisation is chosen once per calendar month (in the policy's zone) and kept:
///    on the month's first published night ε is split, ε_search = 30% of ε choosing it and
///    ε_anon = the rest paying for sampling and suppression; on every later night of the
///    month the levels that night published are reused (they are public: post-processing of
///    an earlier release) and the whole ε pays for sampling, so more rows survive and the
///    columns stay the same across the month's nights.
/// 3. Each row is drawn with probability β = 1 − e^(−ε_anon) (exact Bernoulli,
///    OS CSPRNG); k is the smallest integer with d(k, β, ε_anon) ≤ δ
///    (``SafePubParameters``, Li, Qardaji & Su 2012, Thm. 5).
/// 4. Every transformation of the lattice (every published column is part of
///    the record, so each has a hierarchy; columns without one are their value
///    or `*`) is scored on the sample with a utility of sensitivity
///    2·m·D (``SafeKAnonymizer``), and one is chosen by the
///    exponential mechanism with ε_search (``ExponentialSelection``). The
///    lattice's shape comes from the policy only.
/// 5. The sample is generalised with it, every class of fewer than k sampled
///    rows is suppressed (removed), and the rows are written in random order.
///
/// Guarantee: the published file is (ε_search + ε_anon, δ) = (ε, δ)-differentially
/// private with respect to adding or removing one person. Steps 3 and 5 with a
/// fixed transformation are (ε_anon, δ)-DP by the theorem; step 4 is
/// ε_search-DP; choosing the transformation on the same sample and then using
/// it composes sequentially (SafePub, Thm. 2; Dwork & Roth 2014, Thm. 3.16). A
/// transformation kept from an earlier night is fixed before this night's data is read
/// (it was published with that night's file), so this night's file is (ε, δ)-DP with
/// ε_anon = ε by the same theorem (adaptive composition over the nights).
/// Only the generalised, k-suppressed sample and the chosen levels are ever
/// published: the number of sampled or suppressed rows is not (it is not
/// covered by the theorem), nor any risk or loss figure of the sample.
///
/// ℓ-diversity and t-closeness settings of such an output are not applied:
/// the sensitive column is part of each record like every other column, and
/// the DP guarantee bounds what the file reveals about anyone's value of it.
public enum DPMicrodataRelease {
    /// Share of ε spent on choosing the transformation on a month's first night.
    public static let searchShare = 0.3

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

    /// The parameters an output's (ε, δ) give (no data involved); with `keptLevels`, nothing is
    /// searched and the whole ε pays for sampling.
    public static func parameters(_ privacy: MicrodataPrivacy, keptLevels: Bool = false) -> (sampling: Double, search: Double, beta: Double,
                                                                   exponent: Fraction, safe: SafePubParameters) {
        let search = keptLevels ? 0 : privacy.epsilon * searchShare
        let sampling = privacy.epsilon - search
        let (beta, exponent) = SafePubParameters.sampleRate(epsilon: sampling)
        return (sampling, search, beta, exponent, SafePubParameters(epsilon: sampling, delta: privacy.delta, beta: beta))
    }

    /// Samples, scores, chooses and suppresses as described above. Spends no
    /// budget itself: the caller records the spend before anything is published.
    ///
    /// - Throws: ``PublisherError/usage(_:)`` when `output` is not a differentially private microdata output
    ///   or the time zone is unknown; ``PublisherError/refused(_:)`` for a non-cryptographic random source, or
    ///   when scoring or suppression fails; ``PublisherError/invalidPolicy(_:)`` at the output's line when a
    ///   column's hierarchy cannot be built or loaded.
    /// - Parameter kept: the levels published earlier this month and the release that chose them;
    ///   nil on the month's first night (then they are chosen here).
    public static func prepare(_ output: OutputSpec, of policy: Policy, table: Table, random: RandomSource,
                               kept: (levels: [String: Int], release: String)? = nil,
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
        // Levels kept from earlier in the month must name exactly this output's columns.
        let kept = kept.flatMap { Set($0.levels.keys) == Set(spec.columns) ? $0 : nil }
        let (sampling, search, beta, exponent, safe) = parameters(privacy, keptLevels: kept != nil)
        let selected = RecordSelection.onePerUnit(table, policy: policy, columns: spec.columns, sampler: sampler)
        let sample = RecordSelection.sample(selected.table, exponent: exponent, sampler: sampler)
        var hierarchies: [Hierarchy] = []
        var heights: [Int] = []
        // A timestamp to the second and an exact street address are never candidates: no class of
        // k sampled people shares one in practice, and leaving those levels out is a choice of the
        // lattice's shape made from the policy alone, never from the data.
        var lowest: [Int] = []
        do {
            for (column, role) in try MicrodataPlanner.roles(spec, of: policy, zone: zone) {
                var recipe = HierarchyRecipe.valueOrSuppressed
                if case let .quasiIdentifier(chosen) = role { recipe = chosen }
                heights.append(recipe.height)
                switch recipe {
                case .time, .streetBlock: lowest.append(1)
                default: lowest.append(0)
                }
                hierarchies.append(try MicrodataPlanner.hierarchy(recipe, for: sample.column(named: column), named: column))
            }
        } catch {
            throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': \(error)")]))
        }
        let stage = "\(policy.dataset.id)/\(output.id): scoring generalisations"
        let released: Table
        do {
            let levels: [Int]
            if let kept {
                levels = spec.columns.map { kept.levels[$0] ?? 0 }
            } else {
                let scores = try SafeKAnonymizer.utilities(sample, hierarchies: hierarchies, heights: heights, lowest: lowest, k: safe.k,
                                                           progress: progress.map { progress in
                                                               { @Sendable done, size in progress("\(stage), \(done) of \(size)", Double(done) / Double(size)) }
                                                           })
                let chosen = ExponentialSelection.choose(utilities: scores.utilities, epsilon: Fraction.below(search),
                                                         sensitivity: scores.sensitivity, sampler: sampler)
                levels = scores.nodes[chosen]
            }
            released = Self.withoutBlankRows(RecordSelection.shuffled(
                try SafeKAnonymizer.apply(sample, hierarchies: hierarchies, levels: levels, k: safe.k), sampler: sampler))
            let records = Records(output: output.id,
                                  columns: spec.columns.compactMap { name in
                                      released.column(named: name).map { StoredColumn(name: name, dictionary: $0.dictionary, codes: $0.codes) }
                                  },
                                  levels: Dictionary(uniqueKeysWithValues: zip(spec.columns, levels)),
                                  epsilon: privacy.epsilon, delta: privacy.delta, epsilonSampling: sampling, epsilonSearch: search,
                                  beta: beta, k: safe.k, achievedDelta: safe.achievedDelta, keptFrom: kept?.release)
            return (records, selected)
        } catch {
            throw .refused("output '\(output.id)': \(error)")
        }
    }
}
