import Anonymization
import ArgumentParser
import Foundation
import OperationalStore
import ReleaseFormat
import Tabular

/// `opendata anonymize`: the k-anonymity engine on a CSV file, ARX-style.
struct AnonymizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anonymize",
        abstract: "Generalise a CSV file to k-anonymity (with ℓ-diversity / t-closeness), optimally.",
        discussion: """
            Reads a ';'- or ','-separated CSV with a header. Every column with a hierarchy file in \
            DIR (named <name>_hierarchy_<column>.csv, as ARX names them, or <column>.csv) is a \
            quasi-identifier. Deny by default, like policies: every other column must be named \
            with --keep (published unchanged: you judge it not identifying), --drop (left out) or \
            --sensitive (published unchanged as the attribute ℓ-diversity or t-closeness protects); \
            an unnamed one stops the run. Hierarchy files use ARX's format: one row per original \
            value, one ';'-separated column per level, the last '*'. A quasi-identifier removed \
            ('*') for more than half of the records is reported as lost.

            The search covers every combination of levels and returns the one with the least \
            information loss whose failing classes hold at most --suppression of the records \
            (those records are suppressed: '*' in every quasi-identifier and the sensitive column). \
            With --recoding local, the records that transformation suppresses get a transformation \
            of their own, round after round (ARX's iterative local recoding), so far fewer are \
            suppressed; every value is still a label of its hierarchy.

            Examples (ARX's Adult test data, where every column has a hierarchy):
              opendata anonymize --csv adult.csv --hierarchies . --k 5 --suppression 0.04
              opendata anonymize --csv adult.csv --hierarchies . --k 10 --suppression 1 --metric loss --recoding local
              opendata anonymize --csv adult.csv --hierarchies . --k 1 --suppression 0.04 \\
                --l-diversity occupation:5:entropy --metric entropy-nm
            """
    )

    @Option(help: "The input CSV file.")
    var csv: String

    @Option(help: "Folder of hierarchy files.")
    var hierarchies: String

    @Option(help: "Every published record shares its quasi-identifiers with at least k − 1 others.")
    var k: Int

    @Option(help: "Largest share of records that may be suppressed (0 to 1, or a percentage such as 4%).")
    var suppression: String = "0"

    @Option(help: "Information-loss metric: entropy, entropy-nm, loss, dm, dm-star, aecs.")
    var metric: String = "entropy"

    @Option(help: "global (one transformation for every record) or local (suppressed records recoded in further rounds).")
    var recoding: Recoding = .global

    @Option(name: .customLong("gs-factor"), help: "ARX's generalisation/suppression factor of the loss metric, 0 to 1 (0.5: suppression costs a removed value; lower makes suppression cheaper, which local recoding then undoes).")
    var gsFactor: Double = 0.5

    @Option(name: .customLong("l-diversity"), help: "COL:L[:distinct|entropy|grassberger|recursive:C] — ℓ-diversity of a sensitive column.")
    var lDiversity: String?

    @Option(name: .customLong("t-closeness"), help: "COL:T[:equal|ordered|hierarchical] — t-closeness of a sensitive column.")
    var tCloseness: String?

    @Option(help: "A column without a hierarchy to publish unchanged (repeatable).")
    var keep: [String] = []

    @Option(help: "A column to leave out (repeatable).")
    var drop: [String] = []

    @Option(name: .customLong("sensitive"), help: "A column without a hierarchy published as the protected attribute (repeatable).")
    var sensitiveColumns: [String] = []

    @Option(help: "Write the generalised CSV here.")
    var out: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        let request = try AnonymizeRequest(k: k, suppression: suppression, metric: metric,
                                           lDiversity: lDiversity, tCloseness: tCloseness)
        let started = Date()
        do {
            var (table, delimiter) = try CSVTable.load(csv)
            let sensitive = request.sensitiveColumn
            for name in keep + drop + sensitiveColumns where table.column(named: name) == nil {
                throw ValidationError("the CSV has no column '\(name)' (it has \(table.columnNames.joined(separator: ", ")))")
            }
            let unnamed = table.columnNames.filter { column in
                Self.hierarchyFile(for: column, csv: csv, in: hierarchies) == nil && column != sensitive
                    && !keep.contains(column) && !drop.contains(column) && !sensitiveColumns.contains(column)
            }
            if !unnamed.isEmpty {
                console.error("\(csv): column\(unnamed.count == 1 ? "" : "s") \(unnamed.joined(separator: ", ")) \(unnamed.count == 1 ? "has" : "have") no hierarchy in \(hierarchies); name each with --keep (published unchanged), --drop (left out) or --sensitive (the protected attribute), or add a hierarchy file")
                throw ExitCode(1)
            }
            table = Table(columns: table.columns.filter { !drop.contains($0.name) })
            var quasiIdentifiers: [Hierarchy] = []
            var sensitiveHierarchy: Hierarchy?
            for column in table.columnNames {
                guard let file = Self.hierarchyFile(for: column, csv: csv, in: hierarchies) else { continue }
                let hierarchy = try Hierarchy.load(arxFile: file, column: column)
                if column == sensitive { sensitiveHierarchy = hierarchy } else { quasiIdentifiers.append(hierarchy) }
            }
            if let sensitive, table.column(named: sensitive) == nil {
                throw ValidationError("the CSV has no column '\(sensitive)'")
            }
            var configuration = AnonymizationConfiguration(
                quasiIdentifiers: quasiIdentifiers, sensitive: sensitive, sensitiveHierarchy: sensitiveHierarchy,
                models: request.models, suppressionLimit: request.suppressionLimit, metric: request.metric)
            configuration.recoding = recoding
            configuration.gsFactor = gsFactor
            let result = try Anonymizer.anonymize(table, configuration: configuration)
            let seconds = Date().timeIntervalSince(started)
            if let out {
                try CSVTableWriter.write(result.table, to: out, delimiter: delimiter)
            }
            let names = quasiIdentifiers.map(\.column)
            if json {
                let data = try CanonicalJSON.encode(AnonymizationSummary(
                    quasiIdentifiers: names, transformation: result.transformation, loss: result.loss, metric: request.metric.rawValue,
                    suppressed: result.suppressed, records: table.rowCount, classes: result.classes, checked: result.checked,
                    lattice: result.latticeSize, seconds: seconds, recoding: recoding.rawValue,
                    rounds: result.rounds.map { .init(transformation: $0.levels, records: $0.records) },
                    fullDomainLoss: result.fullDomainLoss,
                    columnsLost: LostColumns.find(in: result.table, columns: names).map { .init(column: $0.column, shareRemoved: $0.share) },
                    risk: .init(highestProsecutor: result.risk.highestProsecutorRisk, averageProsecutor: result.risk.averageProsecutorRisk,
                                recordsAtRisk: result.risk.recordsAtRisk, threshold: result.risk.threshold,
                                sampleUniques: result.risk.sampleUniques)))
                print(String(decoding: data, as: UTF8.self))
                return
            }
            console.info("quasi-identifiers: \(names.joined(separator: ", "))")
            console.info("optimal transformation: [\(result.transformation.map(String.init).joined(separator: ","))]")
            console.info("information loss (\(request.metric.rawValue)): \(result.loss)")
            if let fullDomain = result.fullDomainLoss {
                for (index, round) in result.rounds.enumerated() {
                    console.info("local recoding round \(index + 1): [\(round.levels.map(String.init).joined(separator: ","))] for \(round.records) records")
                }
                console.info("information loss of the full-domain optimum alone: \(fullDomain)")
            }
            console.info("suppressed: \(result.suppressed) of \(table.rowCount) records; \(result.classes) classes")
            for finding in LostColumns.find(in: result.table, columns: names) {
                let k = request.models.compactMap { if case let .kAnonymity(k) = $0 { k } else { nil } }.first ?? 1
                console.info("warning: \(LostColumns.sentence(finding, k: k, remedy: recoding == .local ? .alreadyLocal : .localRecoding))")
            }
            console.info(String(format: "prosecutor risk: highest %.4f, average %.4f; records above %.0f%%: %.2f%%; sample uniques before suppression: %d",
                                result.risk.highestProsecutorRisk, result.risk.averageProsecutorRisk,
                                result.risk.threshold * 100, result.risk.recordsAtRisk * 100, result.risk.sampleUniques))
            console.info(String(format: "searched %d of %d transformations in %.3f s", result.checked, result.latticeSize, seconds))
            if let out { console.info("wrote \(out)") }
        } catch let error as StoreError {
            throw Failure.report(error, console)
        } catch let error as AnonymizationError {
            console.error(error.description)
            throw ExitCode(1)
        }
    }

    /// `<anything>_hierarchy_<column>.csv` or `<column>.csv` in `folder`.
    static func hierarchyFile(for column: String, csv: String, in folder: String) -> String? {
        let base = ((csv as NSString).lastPathComponent as NSString).deletingPathExtension
        let candidates = ["\(base)_hierarchy_\(column).csv", "\(column).csv"]
        if let match = candidates.map({ (folder as NSString).appendingPathComponent($0) })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) {
            return match
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().first { $0.hasSuffix("_hierarchy_\(column).csv") }
            .map { (folder as NSString).appendingPathComponent($0) }
    }
}

/// The privacy options of `anonymize`, parsed and checked.
struct AnonymizeRequest {
    var models: [PrivacyModel]
    var suppressionLimit: Double
    var metric: LossMetric
    var sensitiveColumn: String?

    init(k: Int, suppression: String, metric: String, lDiversity: String?, tCloseness: String?) throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        models = k > 1 ? [.kAnonymity(k)] : []
        let share = suppression.hasSuffix("%") ? Double(suppression.dropLast()).map { $0 / 100 } : Double(suppression)
        guard let share, (0...1).contains(share) else {
            throw ValidationError("--suppression must be a share between 0 and 1 or a percentage, got '\(suppression)'")
        }
        suppressionLimit = share
        guard let chosen = LossMetric(rawValue: metric) else {
            throw ValidationError("--metric must be one of \(LossMetric.allCases.map(\.rawValue).joined(separator: ", ")), got '\(metric)'")
        }
        self.metric = chosen
        if let lDiversity {
            let parts = lDiversity.split(separator: ":").map(String.init)
            guard parts.count >= 2, let l = Double(parts[1]), l >= 1 else {
                throw ValidationError("--l-diversity takes COL:L[:distinct|entropy|recursive:C], got '\(lDiversity)'")
            }
            let variant: LDiversityVariant
            switch parts.count > 2 ? parts[2] : "distinct" {
            case "distinct": variant = .distinct
            case "entropy": variant = .entropy
            case "grassberger": variant = .grassberger
            case "recursive":
                guard parts.count == 4, let c = Double(parts[3]), c > 0 else {
                    throw ValidationError("recursive ℓ-diversity needs c: COL:L:recursive:C")
                }
                variant = .recursive(c: c)
            default: throw ValidationError("unknown ℓ-diversity variant in '\(lDiversity)'")
            }
            models.append(.lDiversity(l, variant))
            sensitiveColumn = parts[0]
        }
        if let tCloseness {
            let parts = tCloseness.split(separator: ":").map(String.init)
            guard parts.count >= 2, let t = Double(parts[1]), t > 0, t <= 1,
                  let distance = TClosenessDistance(rawValue: parts.count > 2 ? parts[2] : "equal") else {
                throw ValidationError("--t-closeness takes COL:T[:equal|ordered|hierarchical] with 0 < T ≤ 1, got '\(tCloseness)'")
            }
            if let sensitiveColumn, sensitiveColumn != parts[0] {
                throw ValidationError("--l-diversity and --t-closeness must protect the same column")
            }
            models.append(.tCloseness(t, distance))
            sensitiveColumn = parts[0]
        }
        if models.isEmpty { models = [.kAnonymity(1)] }
    }
}

extension Recoding: ExpressibleByArgument {}

/// What `anonymize --json` prints: the transformation found, its loss and the risk left.
struct AnonymizationSummary: Encodable {
    struct Round: Encodable {
        var transformation: [Int]
        var records: Int
    }

    struct LostColumn: Encodable {
        var column: String
        var shareRemoved: Double
        enum CodingKeys: String, CodingKey { case column, shareRemoved = "share_removed" }
    }

    struct Risk: Encodable {
        var highestProsecutor: Double
        var averageProsecutor: Double
        var recordsAtRisk: Double
        var threshold: Double
        var sampleUniques: Int
        enum CodingKeys: String, CodingKey {
            case highestProsecutor = "highest_prosecutor", averageProsecutor = "average_prosecutor", recordsAtRisk = "records_at_risk"
            case threshold, sampleUniques = "sample_uniques"
        }
    }

    var quasiIdentifiers: [String]
    var transformation: [Int]
    var loss: Double
    var metric: String
    var suppressed: Int
    var records: Int
    var classes: Int
    var checked: Int
    var lattice: Int
    var seconds: Double
    var recoding: String
    var rounds: [Round]
    @ExplicitNull var fullDomainLoss: Double?
    var columnsLost: [LostColumn]
    var risk: Risk

    enum CodingKeys: String, CodingKey {
        case quasiIdentifiers = "quasi_identifiers", transformation, loss, metric, suppressed, records, classes, checked, lattice, seconds
        case recoding, rounds, fullDomainLoss = "full_domain_loss", columnsLost = "columns_lost", risk
    }
}
