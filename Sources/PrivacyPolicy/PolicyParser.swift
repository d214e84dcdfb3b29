import Foundation
import Yams

/// Builds a ``Policy`` from a YAML tree section by section, then runs the
/// cross-section checks. Problems accumulate in `reader`.
struct PolicyParser {
    var reader: NodeReader
    let baseDirectory: String
    /// Columns listed with a treatment that did not parse; already reported,
    /// so later references to them are not reported again.
    var unparsedColumns: Set<String> = []
    /// The population named by a `{privacy_unit: {population: …}}` column, if any.
    var declaredPopulation: String?

    init(reader: NodeReader, baseDirectory: String) {
        self.reader = reader
        self.baseDirectory = baseDirectory
    }

    mutating func parse(_ root: Node, path: String, bytes: Data) -> Policy? {
        guard let top = reader.mapping(root, "the policy", allowed: PolicyLoader.topLevelKeys,
                                       required: ["policy", "dataset", "source", "columns", "outputs", "budget"])
        else { return nil }
        if let node = top["policy"], let version = reader.integer(node, "policy (the format version)", minimum: 1),
           version != 1 {
            reader.error(node, "policy format version \(version) is not supported; this tool reads version 1")
        }
        let dataset = top["dataset"].flatMap { parseDataset($0) }
        let source = top["source"].flatMap { parseSource($0) }
        let retention = top["retention"].flatMap { parseRetention($0) }
        let columns = top["columns"].flatMap { parseColumns($0) } ?? []
        let exclude = top["exclude"].flatMap { parseExclude($0) } ?? []
        let publishOnly = top["publish_only"].flatMap { parseExclude($0, section: "publish_only") } ?? []
        let derived = top["derived"].flatMap { parseDerived($0) } ?? []
        let outputs = top["outputs"].flatMap { parseOutputs($0) } ?? []
        let budget = top["budget"].flatMap { parseBudget($0) }
        let map = top["map"].flatMap { parseMap($0, outputs: outputs) }

        // Cross-section checks run even when a section failed, so every problem
        // is reported at once; they skip what depends on a failed section.
        let placeholder = DatasetInfo(id: "", title: "", description: "", publisher: "", contact: "", license: "",
                                      keywords: [], frequency: nil)
        var policy = Policy(version: 1, dataset: dataset ?? placeholder,
                            source: source ?? SourceSpec(table: "", windowBy: "", timezone: "UTC"),
                            retention: retention, columns: columns, exclude: exclude, derived: derived,
                            outputs: outputs, budget: budget ?? BudgetSpec(perReleaseEpsilon: .infinity),
                            path: path, bytes: bytes, declaredPopulation: declaredPopulation, map: map)
        policy.publishOnly = publishOnly
        var checker = PolicyConsistency(policy: policy, top: top, reader: reader,
                                        unparsedColumns: unparsedColumns, sourceParsed: source != nil)
        checker.run()
        reader = checker.reader
        guard dataset != nil, source != nil, budget != nil, !columns.isEmpty else { return nil }
        return policy
    }

    // MARK: Sections

    /// `map: {boundaries: FILE, column: C, property: P, output: ID}`: the boundary file is read
    /// now, so a missing or malformed one is reported with the policy's other problems.
    private mutating func parseMap(_ node: Node, outputs: [OutputSpec]) -> MapSpec? {
        guard let entries = reader.mapping(node, "map", allowed: ["boundaries", "column", "property", "output"],
                                           required: ["boundaries", "column"]) else { return nil }
        let file = entries["boundaries"].flatMap { reader.nonEmptyString($0, "map.boundaries") }
        let column = entries["column"].flatMap { reader.nonEmptyString($0, "map.column") }
        let property = entries["property"].flatMap { reader.nonEmptyString($0, "map.property") } ?? column
        let output = entries["output"].flatMap { reader.nonEmptyString($0, "map.output") }
        guard let file, let column, let property, let fileNode = entries["boundaries"] else { return nil }
        // The mapped output: named, or the first aggregate with a count grouped by the column.
        let candidates = outputs.filter { output in
            guard case let .aggregate(spec) = output.kind, spec.disparity == nil else { return false }
            return spec.statistics.contains(.count) && spec.groupBy.contains { $0.column == column && $0.level == nil }
        }
        if let output, !candidates.contains(where: { $0.id == output }), let outputNode = entries["output"] {
            reader.error(outputNode, "map.output '\(output)' must be an aggregate output with a count grouped by \(column)\(Suggestion.didYouMean(output, among: candidates.map(\.id)))")
            return nil
        }
        if output == nil && candidates.isEmpty, let columnNode = entries["column"] {
            reader.error(columnNode, "map.column '\(column)': no aggregate output counts by \(column); the map shows such a count")
            return nil
        }
        let full = file.hasPrefix("/") ? file : (baseDirectory as NSString).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: full) else {
            reader.error(fileNode, "map.boundaries: cannot read \(full); give a GeoJSON file relative to the policy's folder")
            return nil
        }
        do {
            let regions = try MapSpec.regions(geoJSON: data, property: property)
            return MapSpec(file: file, column: column, property: property, output: output ?? candidates.first?.id, regions: regions)
        } catch {
            reader.error(fileNode, "map.boundaries \(file): \(error)")
            return nil
        }
    }

    /// Names of folders and files of the published folder that a dataset may not take.
    static let reservedDatasetIDs: Set<String> = ["log", "catalog", "index", "latest", "snapshot", "release"]

    private mutating func parseDataset(_ node: Node) -> DatasetInfo? {
        let required = ["id", "title", "description", "publisher", "contact", "license"]
        guard let entries = reader.mapping(node, "dataset", allowed: required + ["keywords", "frequency", "guarantee"],
                                           required: required) else { return nil }
        var values: [String: String] = [:]
        for key in required {
            if let value = entries[key], let text = reader.nonEmptyString(value, "dataset.\(key)") {
                values[key] = text
            }
        }
        if let id = values["id"], let node = entries["id"],
           id.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) == nil {
            reader.error(node, "dataset.id '\(id)' may hold only lowercase letters, digits and single '-' (it names the release folder)")
            values["id"] = nil
        } else if let id = values["id"], let node = entries["id"], Self.reservedDatasetIDs.contains(id) {
            reader.error(node, "dataset.id '\(id)' is reserved: the published folder's \(id)/ holds the \(id == "log" ? "transparency log" : id == "catalog" ? "DCAT catalog" : "site's own files"); choose another id")
            values["id"] = nil
        }
        let keywords = entries["keywords"].flatMap { reader.stringList($0, "dataset.keywords") } ?? []
        let frequency = entries["frequency"].flatMap { reader.nonEmptyString($0, "dataset.frequency") }
        let guarantee: ReleaseGuarantee = entries["guarantee"].flatMap { reader.choice($0, "dataset.guarantee", "guarantee") }
            ?? .differentialPrivacy
        guard let id = values["id"], let title = values["title"], let description = values["description"],
              let publisher = values["publisher"], let contact = values["contact"], let license = values["license"]
        else { return nil }
        return DatasetInfo(id: id, title: title, description: description, publisher: publisher, contact: contact,
                           license: license, keywords: keywords, frequency: frequency, guarantee: guarantee)
    }

    private mutating func parseSource(_ node: Node) -> SourceSpec? {
        let keys = ["table", "window_by", "timezone"]
        guard let entries = reader.mapping(node, "source", allowed: keys, required: keys) else { return nil }
        let table = entries["table"].flatMap { reader.nonEmptyString($0, "source.table") }
        let windowBy = entries["window_by"].flatMap { reader.nonEmptyString($0, "source.window_by") }
        var timezone = entries["timezone"].flatMap { reader.nonEmptyString($0, "source.timezone") }
        if let zone = timezone, let node = entries["timezone"], TimeZone(identifier: zone) == nil {
            reader.error(node, "source.timezone '\(zone)' is not an IANA time zone; use a name such as America/Chicago or UTC")
            timezone = nil
        }
        guard let table, let windowBy, let timezone else { return nil }
        return SourceSpec(table: table, windowBy: windowBy, timezone: timezone)
    }

    private mutating func parseRetention(_ node: Node) -> RetentionSpec? {
        guard let entries = reader.mapping(node, "retention", allowed: ["delete_after", "measured_from", "keep_if", "max_share_per_run"],
                                           required: ["delete_after", "measured_from"]) else { return nil }
        var period: RetentionPeriod?
        if let node = entries["delete_after"], let text = reader.string(node, "retention.delete_after") {
            period = Self.period(text)
            if period == nil {
                reader.error(node, "retention.delete_after '\(text)' must read 'N days', 'N months' or 'N years' with N ≥ 1")
            }
        }
        let measuredFrom = entries["measured_from"].flatMap { reader.nonEmptyString($0, "retention.measured_from") }
        let keepIf = entries["keep_if"].flatMap { reader.nonEmptyString($0, "retention.keep_if") }
        let share = entries["max_share_per_run"].map { reader.fraction($0, "retention.max_share_per_run") }
        guard let period, let measuredFrom, share != .some(nil) else { return nil }
        return RetentionSpec(deleteAfter: period, measuredFrom: measuredFrom, keepIf: keepIf,
                             maxSharePerRun: share.flatMap { $0 } ?? RetentionSpec.defaultMaxSharePerRun)
    }

    static func period(_ text: String) -> RetentionPeriod? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let amount = Int(parts[0]), amount >= 1 else { return nil }
        var unitWord = parts[1].lowercased()
        if !unitWord.hasSuffix("s") { unitWord += "s" }
        guard let unit = RetentionPeriod.Unit(rawValue: unitWord) else { return nil }
        return RetentionPeriod(amount: amount, unit: unit)
    }

    private mutating func parseColumns(_ node: Node) -> [ColumnSpec]? {
        guard let entries = reader.mapping(node, "columns", allowed: []) else { return nil }
        if entries.order.isEmpty {
            reader.error(node, "columns must list every column of the source table with a treatment")
        }
        var result: [ColumnSpec] = []
        for name in entries.order {
            guard let value = entries[name], let keyNode = entries.keyNodes[name] else { continue }
            if let treatment = parseTreatment(value, column: name) {
                result.append(ColumnSpec(name: name, treatment: treatment, location: reader.location(keyNode)))
            } else {
                unparsedColumns.insert(name)
            }
        }
        return result
    }

    static let treatmentWords = ["drop", "keep", "privacy_unit", "pseudonymize", "sensitive", "insensitive", "generalize"]

    private mutating func parseTreatment(_ node: Node, column: String) -> Treatment? {
        let context = "column '\(column)'"
        if let word = node.scalar?.string {
            switch word {
            case "drop": return .drop
            case "keep": return .keep
            case "privacy_unit": return .privacyUnit
            case "pseudonymize": return .pseudonymize
            case "sensitive": return .sensitive
            case "insensitive":
                reader.error(node, "\(context): insensitive needs the reason the column cannot identify anyone, e.g. {insensitive: \"one of five public priority codes\"}; it is printed in every report")
                return nil
            case "generalize":
                reader.error(node, "\(context): generalize needs a hierarchy, e.g. generalize: {bands: [5, 10]}")
                return nil
            default:
                reader.error(node, "\(context): unknown treatment '\(word)'\(Suggestion.didYouMean(word, among: Self.treatmentWords))")
                return nil
            }
        }
        if let entries = node.mapping, entries.count == 1, entries.first?.key.scalar?.string == "privacy_unit",
           let value = entries.first?.value {
            guard let options = reader.mapping(value, "\(context).privacy_unit", allowed: ["population"], required: ["population"]),
                  let name = options["population"].flatMap({ reader.nonEmptyString($0, "\(context).privacy_unit.population") }) else { return nil }
            if name.range(of: "^[a-z0-9]+([-_.][a-z0-9]+)*$", options: .regularExpression) == nil, let node = options["population"] {
                reader.error(node, "\(context): population '\(name)' may hold only lowercase letters, digits and single '-', '_' or '.'")
                return nil
            }
            if let earlier = declaredPopulation, earlier != name, let node = options["population"] {
                reader.error(node, "\(context): population '\(name)' differs from '\(earlier)', named by another privacy_unit column; the columns of one unit belong to one population")
                return nil
            }
            declaredPopulation = name
            return .privacyUnit
        }
        if let entries = node.mapping, entries.count == 1, entries.first?.key.scalar?.string == "insensitive" {
            guard let reason = entries.first.flatMap({ reader.nonEmptyString($0.value, "\(context).insensitive") }) else { return nil }
            return .insensitive(reason: reason)
        }
        if node.scalar?.string == nil, node.mapping == nil {
            reader.error(node, "\(context): a treatment is a word (drop, keep, privacy_unit, pseudonymize, sensitive), {generalize: …} or {insensitive: reason}")
            return nil
        }
        guard let entries = reader.mapping(node, context, allowed: ["generalize", "insensitive"], required: ["generalize"]),
              let spec = entries["generalize"] else { return nil }
        return parseHierarchy(spec, column: column).map { .generalize($0) }
    }

    static let builders = ["time", "bands", "top", "street_block", "prefix", "round", "file"]

    private mutating func parseHierarchy(_ node: Node, column: String) -> HierarchySpec? {
        let context = "generalize of column '\(column)'"
        guard let entries = reader.mapping(node, context, allowed: Self.builders) else { return nil }
        let chosen = entries.order.filter { $0 != "top" }
        guard chosen.count == 1, let builder = chosen.first, let value = entries[builder] else {
            reader.error(node, "\(context) must name exactly one builder: time, bands, street_block, prefix, round or file")
            return nil
        }
        if entries["top"] != nil && builder != "bands", let top = entries.keyNodes["top"] {
            reader.error(top, "\(context): 'top' applies only to bands")
        }
        let levels = "\(context).\(builder)"
        switch builder {
        case "time":
            guard let words = reader.stringList(value, levels) else { return nil }
            var result: [TimeLevel] = []
            for (index, word) in words.enumerated() {
                guard let level = TimeLevel(rawValue: word) else {
                    reader.error(value, "\(levels): unknown time level '\(word)'\(Suggestion.didYouMean(word, among: TimeLevel.allCases.map(\.rawValue)))")
                    return nil
                }
                if let last = result.last, level <= last {
                    reader.error(value, "\(levels): level \(index + 1) '\(word)' must be coarser than '\(last.rawValue)'")
                    return nil
                }
                result.append(level)
            }
            if result.isEmpty { reader.error(value, "\(levels) must list at least one level"); return nil }
            return .time(result)
        case "bands":
            guard let widths = reader.integerList(value, levels, minimum: 1) else { return nil }
            for (previous, next) in zip(widths, widths.dropFirst()) where next <= previous || next % previous != 0 {
                reader.error(value, "\(levels): each band width must be a larger multiple of the one before (\(next) after \(previous)), so every level is a function of the previous one")
                return nil
            }
            let top = entries["top"].flatMap { reader.integer($0, "\(context).top", minimum: 1) }
            return .bands(widths, top: top)
        case "street_block":
            guard let sizes = reader.integerList(value, levels, minimum: 1) else { return nil }
            for (previous, next) in zip(sizes, sizes.dropFirst()) where next <= previous || next % previous != 0 {
                reader.error(value, "\(levels): each block size must be a larger multiple of the one before (\(next) after \(previous))")
                return nil
            }
            return .streetBlock(sizes)
        case "prefix":
            guard let masks = reader.integerList(value, levels, minimum: 1) else { return nil }
            for (previous, next) in zip(masks, masks.dropFirst()) where next <= previous {
                reader.error(value, "\(levels): each level must mask more characters than the one before (\(next) after \(previous))")
                return nil
            }
            return .prefix(masks)
        case "round":
            guard let places = reader.integerList(value, levels, minimum: 0) else { return nil }
            for (previous, next) in zip(places, places.dropFirst()) where next >= previous {
                reader.error(value, "\(levels): each level must keep fewer decimal places than the one before (\(next) after \(previous))")
                return nil
            }
            return .round(places)
        default: // file
            guard let relative = reader.nonEmptyString(value, levels) else { return nil }
            let full = relative.hasPrefix("/") ? relative : (baseDirectory as NSString).appendingPathComponent(relative)
            for problem in HierarchyFileCheck.problems(path: full) {
                reader.error(value, "\(levels) '\(relative)': \(problem)")
            }
            return .file(relative)
        }
    }

    /// `exclude:` (and `publish_only:`, the same shape): column → list of values.
    private mutating func parseExclude(_ node: Node, section: String = "exclude") -> [ExcludeRule]? {
        guard let entries = reader.mapping(node, section, allowed: []) else { return nil }
        return entries.order.compactMap { column in
            guard let value = entries[column],
                  let values = reader.stringList(value, "\(section).\(column)") else { return nil }
            return ExcludeRule(column: column, values: values)
        }
    }

    private mutating func parseDerived(_ node: Node) -> [DerivedColumn]? {
        guard let entries = reader.mapping(node, "derived", allowed: []) else { return nil }
        return entries.order.compactMap { name in
            guard let value = entries[name], let keyNode = entries.keyNodes[name],
                  let spec = reader.mapping(value, "derived column '\(name)'", allowed: ["seconds_between"],
                                            required: ["seconds_between"]),
                  let between = spec["seconds_between"],
                  let columns = reader.stringList(between, "derived column '\(name)'.seconds_between")
            else { return nil }
            guard columns.count == 2 else {
                reader.error(between, "seconds_between takes exactly two timestamp columns: [start, end]")
                return nil
            }
            return DerivedColumn(name: name, kind: .secondsBetween(columns[0], columns[1]),
                                 location: reader.location(keyNode))
        }
    }

    private mutating func parseBudget(_ node: Node) -> BudgetSpec? {
        guard let entries = reader.mapping(node, "budget", allowed: ["per_release_epsilon", "rolling_365_day_epsilon", "rolling_365_day_delta"],
                                           required: ["per_release_epsilon"]) else { return nil }
        let perRelease = entries["per_release_epsilon"].flatMap { reader.positiveNumber($0, "budget.per_release_epsilon") }
        let rolling = entries["rolling_365_day_epsilon"].flatMap {
            reader.positiveNumber($0, "budget.rolling_365_day_epsilon")
        }
        var rollingDelta = entries["rolling_365_day_delta"].flatMap { reader.positiveNumber($0, "budget.rolling_365_day_delta") }
        if let value = rollingDelta, value >= 1, let node = entries["rolling_365_day_delta"] {
            reader.error(node, "budget.rolling_365_day_delta must be below 1 (typically 1e-5), found \(value)")
            rollingDelta = nil
        }
        guard let perRelease else { return nil }
        return BudgetSpec(perReleaseEpsilon: perRelease, rolling365DayEpsilon: rolling, rolling365DayDelta: rollingDelta)
    }
}
