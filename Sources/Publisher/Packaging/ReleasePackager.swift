import DifferentialPrivacy
import Foundation
import PublicSite
import PrivacyPolicy
import ReleaseFormat
import Tabular

/// Writes one release folder (DESIGN.md, "Release layout") and moves it into
/// place only when it is complete and signed.
///
/// Guarantee: the folder is built under a temporary name inside the dataset's
/// folder, sealed (manifest listing every file, minisign signature), then
/// renamed into `Releases/<dataset>/<release>`; `latest` is replaced by rename.
/// A reader sees either no release or a complete, signed one. An existing
/// release folder is never overwritten.
public enum ReleasePackager {
    /// The version written into manifests and printed by `opendata --version`.
    public static let toolVersion = "0.2.0"

    /// One output's published table.
    public struct Output {
        public var id: String
        public var title: String
        public var table: Table
        public var fieldDescriptions: [String: String]
        public var primaryKey: [String]
        /// The data package's description of the file (what the bounds left out), if any.
        public var description: String?

        public init(id: String, title: String, table: Table, fieldDescriptions: [String: String], primaryKey: [String],
                    description: String? = nil) {
            self.description = description
            self.id = id
            self.title = title
            self.table = table
            self.fieldDescriptions = fieldDescriptions
            self.primaryKey = primaryKey
        }
    }

    /// Writes and seals the release under a hidden temporary name; returns that
    /// folder and the manifest SHA-256. ``commit(staged:out:latest:)`` makes it visible.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when the release already exists in `out`;
    ///   ``PublisherError/io(path:reason:)`` when a file the policy names cannot be read, or the release
    ///   cannot be written, sealed, signed or flushed to disk (the staging folder is then removed).
    public static func publish(policy: Policy, window: ReleaseWindow, name: String, sequence: Int, outputs: [Output],
                               extraFiles: [(name: String, contents: Data)] = [], out: String,
                               key: Minisign.SecretKey, previousManifestSHA256: String?, toolVersion: String,
                               now: Date = Date(), validity: TimeInterval = 400 * 86400,
                               progress: StageProgress? = nil) throws(PublisherError) -> (staged: String, manifestSHA256: String) {
        let final = ((out as NSString).appendingPathComponent(policy.dataset.id) as NSString).appendingPathComponent(name)
        if let datasetFolder = try? PublicFolder.root(out).folder(policy.dataset.id, create: false), datasetFolder.contains(name) {
            throw .refused("\(final) already exists; releases are never overwritten")
        }
        let temporary = PublisherPaths(out: out).staging(dataset: policy.dataset.id, release: name)
        let formatter = ISO8601DateFormatter()
        do {
            try? FileManager.default.removeItem(atPath: temporary)
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            var resources: [DataPackage.Resource] = []
            for output in outputs {
                let file = "\(output.id).csv.gz"
                let writer = try CSVGzipWriter(path: (temporary as NSString).appendingPathComponent(file), header: output.table.columnNames)
                let stage = "\(policy.dataset.id): writing \(file)"
                try writer.append(columns: output.table.columns.map { ($0.dictionary, $0.codes) }, rowCount: output.table.rowCount,
                                  progress: progress.map { progress in { fraction in progress(stage, fraction) } })
                let (bytes, sha) = try writer.finish()
                let fields = output.table.columnNames.map { column in
                    field(column, output.table.column(named: column), description: output.fieldDescriptions[column] ?? column)
                }
                resources.append(DataPackage.Resource(name: output.id, path: file, title: output.title, bytes: bytes, sha256: sha,
                                                      fields: fields, primaryKey: output.primaryKey, description: output.description))
            }
            let package = DataPackage(name: policy.dataset.id, title: policy.dataset.title,
                                      description: policy.dataset.description + " " + GuaranteeCheck.statement(for: policy),
                                      license: policy.dataset.license, version: "1.0.\(sequence)", created: formatter.string(from: now),
                                      publisher: policy.dataset.publisher, contact: policy.dataset.contact, resources: resources)
            try package.json().write(to: URL(fileURLWithPath: (temporary as NSString).appendingPathComponent("datapackage.json")))
            for resource in resources {
                try DataPackage.tableSchemaJSON(resource)
                    .write(to: URL(fileURLWithPath: (temporary as NSString).appendingPathComponent("\(resource.name).schema.json")))
            }
            try policy.bytes.write(to: URL(fileURLWithPath: (temporary as NSString).appendingPathComponent("policy.yaml")))
            // Every file the policy reads (hierarchies, boundaries) beside it, so the signed manifest
            // covers everything that shaped the release: an edited hierarchy changes the manifest.
            for (written, path) in policy.referencedFiles {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw PublisherError.io(path: path, reason: "cannot read a file the policy names (\(written)); nothing was published")
                }
                let target = (temporary as NSString).appendingPathComponent(Self.policyFilePath(written))
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try contents.write(to: URL(fileURLWithPath: target))
            }
            for file in extraFiles {
                try file.contents.write(to: URL(fileURLWithPath: (temporary as NSString).appendingPathComponent(file.name)))
            }
            let manifest = Manifest(dataset: policy.dataset.id, release: name, sequence: sequence,
                                    windowStart: formatter.string(from: window.start), windowEnd: formatter.string(from: window.end),
                                    created: formatter.string(from: now), expires: formatter.string(from: now.addingTimeInterval(validity)),
                                    previousManifestSHA256: previousManifestSHA256, policySHA256: StreamingDigest.sha256Hex(policy.bytes),
                                    keyID: key.keyIDText, toolVersion: toolVersion, files: [])
            let sha = try ReleaseSigner.seal(folder: temporary, manifest: manifest, key: key)
            try flush(folder: temporary)
            return (temporary, sha)
        } catch let error as ReleaseFormatError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io(path: final, reason: error.description)
        } catch let error as PublisherError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io(path: final, reason: "cannot write the release (\(error.localizedDescription))")
        }
    }

    /// Where a file the policy names is published in a release: at the path the policy writes,
    /// beside `policy.yaml`, so the published policy loads as it is (`opendata policy explain
    /// RELEASE/policy.yaml`); a path leaving the policy's folder, or an absolute one, goes to
    /// `policy-files/` by its name alone (and that policy then names a file it does not find).
    static func policyFilePath(_ written: String) -> String {
        let parts = written.split(separator: "/").map(String.init)
        let reserved = ["manifest.json", "manifest.json.minisig", "policy.yaml", "datapackage.json"]
        if written.hasPrefix("/") || parts.contains("..") || parts.contains(".") || parts.count < 2 || reserved.contains(written) {
            return "policy-files/" + (parts.last ?? "file")
        }
        return parts.joined(separator: "/")
    }

    /// Renames a sealed release folder staged for `out` (``PublisherPaths/staging(dataset:release:)``)
    /// into place (never over an existing one) and points `latest` at `latest`: the dataset's
    /// newest window, which is this release unless it catches up an older night.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when a release of that name already exists, or a link sits
    ///   at the dataset's folder or at `latest`; ``PublisherError/io(path:reason:)`` when a folder cannot be
    ///   opened, the rename fails, or `latest` cannot be written.
    public static func commit(staged: String, out: String, latest: String) throws(PublisherError) -> String {
        let name = (staged as NSString).lastPathComponent
        let dataset = ((staged as NSString).deletingLastPathComponent as NSString).lastPathComponent
        let folder = try PublicFolder.root(out).folder(dataset)
        try folder.moveIn(staged, as: name)
        try folder.replace("latest", with: Data((latest + "\n").utf8))
        return (folder.path as NSString).appendingPathComponent(name)
    }

    /// Flushes every file of a sealed folder and the folder itself to disk (`fsync`), so the
    /// rename that makes the release visible never exposes files a power cut would lose.
    static func flush(folder: String) throws(PublisherError) {
        // Every file and folder below, deepest first (the policy's files sit in subfolders), then the folder.
        let names = (FileManager.default.subpaths(atPath: folder) ?? []).sorted { $0.count > $1.count }
        for path in names.map({ (folder as NSString).appendingPathComponent($0) }) + [folder] {
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw .io(path: path, reason: "cannot open to flush (\(String(cString: strerror(errno))))") }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw .io(path: path, reason: "cannot flush to disk (\(String(cString: strerror(errno))))") }
        }
    }

    /// How a mean's margin, or a sum's published from a normalised sum, is computed from published
    /// values (``MeanMargins``, ``BudgetSplit/SumForm``), for its `_moe95` column; nil for a margin
    /// that is simply its own noise's 95% point.
    static func marginRule(of statistic: String, in spec: AggregateSpec, bounding: String) -> String? {
        let parameters = AggregateParameters(spec)
        guard let index = parameters.statistics.firstIndex(where: { $0.name == statistic }) else { return nil }
        let forms = BudgetSplit.sumForms(parameters.statistics, keys: parameters.keys, complete: parameters.complete)
        let reuses = BudgetSplit.meanReusesCount(parameters.statistics, keys: parameters.keys, complete: parameters.complete)
        let covers = "it is measured from the value computed after \(bounding) and does not cover that bounding"
        switch parameters.statistics[index] {
        case let .mean(column, low, high):
            let count = reuses[index] ? "the published count" : "its own noisy count of the records with a value of \(column)"
            return "95% margin of \(statistic), from published values: the mean is c + S/(2N) clamped to [\(low), \(high)], with c = \(OutputColumns.format(Double(low + high) / 2)), S a noisy sum of 2x − \(low + high) and N \(count) (at least 1); its error is (X/2 − d·Y)/N for the two noises X and Y the privacy report names, and the margin is the 95% point of |X/2 − d·Y| with d the published mean less c (rounded away from 0 to a multiple of 1/\(MeanMargins.gridSteps) of the range), over N, at most \(high - low); about 95% of such intervals hold the mean of the bounded values; \(covers)"
        case let .sum(_, low, high):
            guard forms[index] != .plain else { return nil }
            return "95% margin of \(statistic), from published values: the sum is S/2 + \(OutputColumns.format(Double(low + high) / 2))·N from one noisy sum S of 2x − \(low + high) and a noisy count N of the same records; its error is X/2 + \(OutputColumns.format(Double(low + high) / 2))·Y for their noises X and Y (the privacy report names both), and the margin is the exact 95% point of that law; \(covers)"
        default:
            return nil
        }
    }

    /// Plain descriptions of published columns, from the policy's treatments and,
    /// for a table, the output's contribution bounds. A margin says exactly what it
    /// covers: the noise, around the value after each person's contribution was
    /// bounded; never "the true value".
    /// `levels` are the generalisation levels a record file was published at (0: the value as recorded).
    static func describe(policy: Policy, output: OutputSpec? = nil, columns: [String], levels: [String: Int] = [:]) -> [String: String] {
        var result: [String: String] = [:]
        let unit = policy.privacyUnit.map { "each \($0.replacingOccurrences(of: "_id", with: "").replacingOccurrences(of: "_", with: " "))" } ?? "each record"
        var bounding = "\(unit) counted once"
        if case let .aggregate(spec)? = output?.kind, let contribution = spec.contribution {
            bounding = contribution.isAuto
                ? "\(unit) counted at most as many times per group and in at most as many groups as this release chose (the privacy report's contribution_chosen)"
                : "\(unit) counted at most \(contribution.rowsPerUnitPerGroup) time\(contribution.rowsPerUnitPerGroup == 1 ? "" : "s") per group and in at most \(contribution.groupsPerUnit) group\(contribution.groupsPerUnit == 1 ? "" : "s")"
        }
        // A period total adds up days, each bounded on its own.
        let periodTotal: Bool
        if case let .aggregate(spec)? = output?.kind { periodTotal = spec.periodOf != nil } else { periodTotal = false }
        if periodTotal { bounding += " on each day" }
        if case let .aggregate(spec)? = output?.kind, let disparity = spec.disparity {
            let described = DisparityTable.descriptions(disparity, bounding: bounding)
            return Dictionary(uniqueKeysWithValues: columns.map { ($0, described[$0] ?? $0) })
        }
        let privateRecords: Bool
        if case let .microdata(spec)? = output?.kind { privateRecords = spec.privacy != nil } else { privateRecords = false }
        for column in columns {
            if periodTotal && column == PeriodTotals.daysColumn {
                result[column] = "how many released days this period's total adds up (fewer than the period's days when it began before the first release); public, no noise"
                continue
            }
            if column.hasSuffix("_flag"), case let .aggregate(spec)? = output?.kind {
                let statistic = String(column.dropLast("_flag".count))
                result[column] = Reliability.description(of: spec.statistics.first { $0.name == statistic }, name: statistic)
                continue
            }
            if column.hasSuffix("_rank_moe95") {
                let statistic = String(column.dropLast("_rank_moe95".count))
                result[column] = "95% margin of \(statistic) in records (ranks), not in its unit: with probability at least 95%, at most this many more of the bounded values lie below (or above) the published value than lie below (or above) an exact quantile (\(bounding))"
                continue
            }
            if column.hasSuffix("_moe95"), case let .aggregate(spec)? = output?.kind, spec.periodOf == nil,
               let rule = Self.marginRule(of: String(column.dropLast("_moe95".count)), in: spec, bounding: bounding) {
                result[column] = rule
                continue
            }
            if column.hasSuffix("_moe95") {
                let statistic = String(column.dropLast("_moe95".count))
                result[column] = "95% margin of the noise added to \(statistic): with probability at least 95% the noise is within ± this much. It is measured from the value computed after \(bounding); it does not cover that bounding, clamping to the stated bounds, or zero-flooring"
                continue
            }
            if case let .aggregate(spec)? = output?.kind, let rollUp = spec.rollUp, rollUp.column == column {
                result[column] = "\(column), as recorded, for the values whose noisy count passed the partition-selection threshold; a value starting \"\(RollUpSpec.keyPrefix)\" is always a roll-up row (a recorded value that starts so is never published on its own but counted in its category's row): it counts the records of every \(column) in that category (from \(rollUp.file); \(rollUp.unlisted) for values the file does not list) that has no row of its own, so every counted record is in one row"
                continue
            }
            switch policy.treatment(of: column) {
            case let .generalize(hierarchy)?:
                result[column] = "\(column), generalised (\(hierarchy.builder) hierarchy)"
                    + (levels[column].map { "; published at \(Self.levelName($0, of: hierarchy)) (level \($0))" } ?? "") + "; * where removed"
            case .pseudonymize?: result[column] = "\(column), replaced by a keyed pseudonym (HMAC-SHA256); linkable across releases"
            case .sensitive?: result[column] = privateRecords
                ? "\(column) (sensitive); * where removed"
                : "\(column) (sensitive; protected by ℓ-diversity within each group of records)"
            case let .insensitive(reason)?: result[column] = "\(column), as recorded or * (not generalised: \(reason); still one of the columns every group of k shares)"
            case .keep?: result[column] = column
            default:
                result[column] = column == "count" ? "number of records, \(bounding), with random noise added"
                    : "\(column.replacingOccurrences(of: "_", with: " ")), \(bounding), with random noise added"
            }
        }
        return result
    }

    /// A generalisation level in words: `day`, `bands of 10`, `blocks of 100`, `the value as recorded`.
    static func levelName(_ level: Int, of hierarchy: HierarchySpec) -> String {
        guard level > 0 else { return "the value as recorded" }
        switch hierarchy {
        case let .time(levels) where level <= levels.count: return levels[level - 1].rawValue
        case let .bands(widths, _) where level <= widths.count: return "bands of \(widths[level - 1])"
        case let .streetBlock(sizes) where level <= sizes.count: return "blocks of \(sizes[level - 1])"
        case let .prefix(masks) where level <= masks.count: return "\(masks[level - 1]) characters masked"
        case let .round(places) where level <= places.count: return "\(places[level - 1]) decimal places"
        default: return "level \(level)"
        }
    }

    /// The Table Schema type (and constraints) of a published column, from its name and every
    /// value it holds (`*`, a removed value, and empty cells are missing values): counts are
    /// non-negative integers, margins non-negative numbers, calendar labels typed (`date`,
    /// `yearmonth`) or patterned (ISO weeks, hours, quarters), so a validator rejects a tampered
    /// `2026-13-45` or a count of −5.
    static func field(_ name: String, _ column: Column?, description: String) -> DataPackage.Field {
        let values = (column?.dictionary ?? []).filter { $0 != "*" && !$0.isEmpty }
        func all(_ test: (String) -> Bool) -> Bool { !values.isEmpty && values.allSatisfy(test) }
        func matches(_ pattern: String) -> (String) -> Bool { { $0.range(of: pattern, options: .regularExpression) != nil } }
        if name == "count" { return DataPackage.Field(name: name, type: "integer", description: description, minimum: 0) }
        if name.hasSuffix("_moe95") { return DataPackage.Field(name: name, type: "number", description: description, minimum: 0) }
        if all({ Int($0) != nil }) { return DataPackage.Field(name: name, type: "integer", description: description) }
        if all({ Double($0) != nil }) { return DataPackage.Field(name: name, type: "number", description: description) }
        if all({ ISOTimestamp.parse($0).map { $0.dateOnly } ?? false }) {
            return DataPackage.Field(name: name, type: "date", description: description)
        }
        if all(matches("^[0-9]{4}-(0[1-9]|1[0-2])$")) { return DataPackage.Field(name: name, type: "yearmonth", description: description) }
        let labels = ["^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$", "^[0-9]{4}-Q[1-4]$",
                      "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3])$"]
        for pattern in labels where all(matches(pattern)) {
            return DataPackage.Field(name: name, type: "string", description: description, pattern: pattern)
        }
        return DataPackage.Field(name: name, type: "string", description: description)
    }
}
