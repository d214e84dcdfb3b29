import Foundation
import ReleaseFormat

extension PrivacyReport {
    /// The shape of `privacy-report.json`: what the tool writes for every release and what the
    /// dashboards read back (``DatasetHistory``), one type for both so a renamed key is a compile
    /// error, not a value that silently reads as 0. Absent optional facts are written as `null`.
    public struct Document: Codable, Sendable {
        public struct Window: Codable, Sendable {
            public var label: String
            public var start: String
            public var end: String
        }

        public struct Guarantee: Codable, Sendable {
            public var kind: String
            public var statement: String
            public var membershipHidden: Bool
            enum CodingKeys: String, CodingKey { case kind, statement, membershipHidden = "membership_hidden" }
        }

        /// A quasi-identifier published as `*` for most records.
        public struct LostColumn: Codable, Sendable {
            public var column: String
            /// The share of records where it is `*`, rounded to two decimals.
            public var shareRemoved: Double
            enum CodingKeys: String, CodingKey { case column, shareRemoved = "share_removed" }
        }

        /// The parameters of a differentially private record file (SafePub).
        public struct RecordPrivacy: Codable, Sendable {
            public var epsilon: Double
            public var delta: Double
            public var samplingProbability: Double
            public var epsilonSampling: Double
            public var epsilonSearch: Double
            /// ε of the count of people that sized the search; absent when nothing was searched.
            public var epsilonCount: Double?
            public var deltaAchieved: Double
            /// The release whose chosen generalisation this file keeps; absent when chosen for this one.
            public var keptFrom: String?
            /// True when the policy fixes the generalisation (nothing searched); absent otherwise.
            public var fixedByPolicy: Bool?
            public var mechanism: String
            enum CodingKeys: String, CodingKey {
                case epsilon, delta, mechanism, samplingProbability = "sampling_probability", epsilonSampling = "epsilon_sampling"
                case epsilonSearch = "epsilon_search", epsilonCount = "epsilon_count", deltaAchieved = "delta_achieved"
                case keptFrom = "generalization_kept_from", fixedByPolicy = "generalization_fixed_by_policy"
            }
        }

        /// One round of local recoding.
        public struct Round: Codable, Sendable {
            public var generalizationLevels: [String: Int]
            public var records: Int
            enum CodingKeys: String, CodingKey { case generalizationLevels = "generalization_levels", records }
        }

        /// What a plain k-anonymous record file adds (written beside the common keys).
        public struct PlainRecords: Codable, Sendable {
            @ExplicitNull public var lDiversity: String?
            @ExplicitNull public var suppressed: Int?
            public var recoding: String
            public var localRecodingRounds: [Round]?
            @ExplicitNull public var informationLoss: Double?
            @ExplicitNull public var highestProsecutorRisk: Double?
            @ExplicitNull public var averageProsecutorRisk: Double?
            enum CodingKeys: String, CodingKey {
                case lDiversity = "l_diversity", suppressed, recoding, localRecodingRounds = "local_recoding_rounds"
                case informationLoss = "information_loss", highestProsecutorRisk = "highest_prosecutor_risk"
                case averageProsecutorRisk = "average_prosecutor_risk"
            }
        }

        /// One record-level file: the common keys, then either its differential privacy or its plain protection.
        public struct Microdata: Codable, Sendable {
            public var output: String
            public var k: Int
            public var records: Int
            public var generalizationLevels: [String: Int]
            public var insensitiveColumns: [String: String]
            public var columnsLost: [LostColumn]
            public var differentialPrivacy: RecordPrivacy?
            public var plain: PlainRecords?

            enum CodingKeys: String, CodingKey {
                case output, k, records, generalizationLevels = "generalization_levels", insensitiveColumns = "insensitive_columns"
                case columnsLost = "columns_lost", differentialPrivacy = "differential_privacy"
            }

            init(output: String, k: Int, records: Int, generalizationLevels: [String: Int], insensitiveColumns: [String: String],
                 columnsLost: [LostColumn], differentialPrivacy: RecordPrivacy?, plain: PlainRecords?) {
                (self.output, self.k, self.records, self.generalizationLevels) = (output, k, records, generalizationLevels)
                (self.insensitiveColumns, self.columnsLost, self.differentialPrivacy, self.plain) = (insensitiveColumns, columnsLost,
                                                                                                   differentialPrivacy, plain)
            }

            /// Reads a record file's entry: the plain file's keys only when it has no `differential_privacy`.
            /// - Throws: `DecodingError` when a key is missing or of the wrong type.
            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                output = try c.decode(String.self, forKey: .output)
                k = try c.decode(Int.self, forKey: .k)
                records = try c.decode(Int.self, forKey: .records)
                generalizationLevels = try c.decode([String: Int].self, forKey: .generalizationLevels)
                insensitiveColumns = try c.decodeIfPresent([String: String].self, forKey: .insensitiveColumns) ?? [:]
                columnsLost = try c.decodeIfPresent([LostColumn].self, forKey: .columnsLost) ?? []
                differentialPrivacy = try c.decodeIfPresent(RecordPrivacy.self, forKey: .differentialPrivacy)
                plain = differentialPrivacy == nil ? try PlainRecords(from: decoder) : nil
            }

            /// Writes the common keys, then the differential privacy or the plain file's keys beside them.
            /// - Throws: `EncodingError` when a number is not finite.
            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(output, forKey: .output)
                try c.encode(k, forKey: .k)
                try c.encode(records, forKey: .records)
                try c.encode(generalizationLevels, forKey: .generalizationLevels)
                try c.encode(insensitiveColumns, forKey: .insensitiveColumns)
                try c.encode(columnsLost, forKey: .columnsLost)
                try c.encodeIfPresent(differentialPrivacy, forKey: .differentialPrivacy)
                try plain?.encode(to: encoder)
            }
        }

        /// The noise law of one statistic: the mechanism and its one parameter.
        public struct Noise: Codable, Sendable {
            public var mechanism: String
            public var scale: Double?
            public var utilityScale: Double?
            public var sigmaSquared: Double?
            /// For a count and mean pooled into two bin sums: their range W (the count's noise is (Y₁ + Y₂)/W).
            public var pooledWidth: Int?
            enum CodingKeys: String, CodingKey {
                case mechanism, scale, utilityScale = "utility_scale", sigmaSquared = "sigma_squared", pooledWidth = "pooled_width"
            }
        }

        public struct Statistic: Codable, Sendable {
            public var statistic: String
            public var share: Double
            public var noise: Noise
            public var marginOfError95: Double
            public var postProcessing: String
            enum CodingKeys: String, CodingKey {
                case statistic, share, noise, marginOfError95 = "margin_of_error_95", postProcessing = "post_processing"
            }
        }

        public struct Disparity: Codable, Sendable {
            public var compared: String
            public var outcome: String
            public var reference: String
            public var minimumGroupSize: Int
            public var method: String
            enum CodingKeys: String, CodingKey { case compared, outcome, reference, minimumGroupSize = "minimum_group_size", method }
        }

        /// The estimate of the records the contribution bounds left out (``BoundingDisclosure``).
        public struct LeftOut: Codable, Sendable {
            public var estimate: Double
            public var marginOfError95: Double
            public var perPersonCap: Int
            @ExplicitNull public var shareOfRecords: Double?
            /// ε (or ρ) spent on the estimate, part of the output's.
            public var privacyShare: Double
            public var mechanism: String
            /// With private keys: the noisy count of every counted record, its margin, and the share
            /// of them in groups too small to publish (from published values).
            public var countedTotal: Double?
            public var countedTotalMargin95: Double?
            public var shareInUnpublishedGroups: Double?
            enum CodingKeys: String, CodingKey {
                case estimate, mechanism, marginOfError95 = "margin_of_error_95", perPersonCap = "per_person_cap"
                case shareOfRecords = "share_of_records", privacyShare = "privacy_share", countedTotal = "counted_total"
                case countedTotalMargin95 = "counted_total_margin_of_error_95", shareInUnpublishedGroups = "share_in_unpublished_groups"
            }
        }

        public struct Aggregate: Codable, Sendable {
            public var output: String
            public var epsilon: Double
            @ExplicitNull public var delta: Double?
            @ExplicitNull public var rho: Double?
            public var groups: Int
            @ExplicitNull public var partitionThreshold: Int?
            public var statistics: [Statistic]
            public var disparity: Disparity?
            public var recordsLeftOut: LeftOut?
            /// The contribution bounds this release chose from the data (`contribution: auto`).
            public var contributionChosen: ChosenBounds?
            /// The category rows the records of unpublished private keys were counted in (`roll_up`).
            public var rollUp: RollUp?
            enum CodingKeys: String, CodingKey {
                case output, epsilon, delta, rho, groups, partitionThreshold = "partition_threshold", statistics, disparity
                case recordsLeftOut = "records_left_out", contributionChosen = "contribution_chosen", rollUp = "roll_up"
            }
        }

        /// A roll-up (``DifferentialPrivacy/RolledUpCounts``): which column rolls up through which
        /// hierarchy, the categories and their listed values, and how their counts were protected.
        public struct RollUp: Codable, Sendable {
            public var column: String
            public var hierarchy: String
            /// Category rows published (every category with every value of the other keys).
            public var categoryRows: Int
            /// Per category, the values the hierarchy lists in it: only when the policy declares the
            /// file a public code list (`members: public`), else nil.
            public var members: [String: [String]]?
            /// Per category, how many values the hierarchy lists in it: also only with `members: public`
            /// (from a file built from the data even the count would say how many rare values occur).
            public var listedValues: [String: Int]?
            /// The category of a value the hierarchy does not list.
            public var unlisted: String
            /// ε (or ρ) spent on the category counts, part of the output's.
            public var privacyShare: Double
            /// The most one person moves all the category counts together.
            public var sensitivity: Int
            public var noise: Noise
            public var marginOfError95: Double
            public var mechanism: String
            /// The category rows' part of all published counts, 1 − groups ÷ (groups + categories): the
            /// share of counted records in groups too small to publish on their own (from published values).
            public var shareInCategoryRows: Double?
            enum CodingKeys: String, CodingKey {
                case column, hierarchy, categoryRows = "category_rows", members, listedValues = "listed_values", unlisted
                case privacyShare = "privacy_share", sensitivity, noise
                case marginOfError95 = "margin_of_error_95", mechanism, shareInCategoryRows = "share_in_category_rows"
            }
        }

        /// Bounds chosen per release (``DifferentialPrivacy/ChosenContribution``) and how.
        public struct ChosenBounds: Codable, Sendable {
            public var groupsPerUnit: Int
            public var rowsPerUnitPerGroup: Int
            public var chosen: [String]
            /// ε (or ρ) spent on choosing, part of the output's.
            public var privacyShare: Double
            public var mechanism: String
            enum CodingKeys: String, CodingKey {
                case groupsPerUnit = "groups_per_unit", rowsPerUnitPerGroup = "rows_per_unit_per_group", chosen
                case privacyShare = "privacy_share", mechanism
            }
        }

        /// One per-person cap the population was released under, from its first window.
        public struct Cap: Codable, Sendable {
            @ExplicitNull public var epsilonCap: Double?
            @ExplicitNull public var deltaCap: Double?
            public var dataset: String
            public var fromWindow: String
            enum CodingKeys: String, CodingKey { case epsilonCap = "epsilon_cap", deltaCap = "delta_cap", dataset, fromWindow = "from_window" }
        }

        public struct Budget: Codable, Sendable {
            public var releaseEpsilon: Double
            public var perReleaseCap: Double
            public var population: String
            public var capHistory: [Cap]
            @ExplicitNull public var rolling365DayCap: Double?
            enum CodingKeys: String, CodingKey {
                case releaseEpsilon = "release_epsilon", perReleaseCap = "per_release_cap", population, capHistory = "cap_history"
                case rolling365DayCap = "rolling_365_day_cap"
            }
        }

        /// That retention ran and under which rule (exact counts stay private).
        public struct Retention: Codable, Sendable {
            public var rule: String
            public var ran: Bool
        }

        public var dataset: String
        public var release: String
        public var window: Window
        public var policyExplained: [String]
        /// Column names by treatment keyword.
        public var columns: [String: [String]]
        public var guarantee: Guarantee
        public var microdata: [Microdata]
        public var aggregates: [Aggregate]
        public var budget: Budget
        @ExplicitNull public var retention: Retention?

        enum CodingKeys: String, CodingKey {
            case dataset, release, window, policyExplained = "policy_explained", columns, guarantee, microdata, aggregates, budget, retention
        }
    }
}
