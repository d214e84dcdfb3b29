import Foundation
import Tabular
import Testing
@testable import Anonymization

/// The pruned search returns what an exhaustive search over the lattice returns.
@Suite struct SearchOptimalityTests {
    /// A small synthetic table: three quasi-identifiers and a sensitive column.
    static func table(seed: UInt64, rows: Int) -> Table {
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var table = Table(columnNames: ["age", "zip", "sex", "diagnosis"])
        for _ in 0..<rows {
            let age = 18 + abs(next()) % 60
            let zip = "5320\(abs(next()) % 10)"
            let sex = abs(next()) % 2 == 0 ? "F" : "M"
            let diagnosis = ["flu", "asthma", "diabetes", "fracture", "migraine"][abs(next()) % 5]
            table.append(row: [String(age), zip, sex, diagnosis])
        }
        return table
    }

    static func hierarchies(for table: Table) throws -> [Hierarchy] {
        let ages = table.column(named: "age")?.dictionary ?? []
        let zips = table.column(named: "zip")?.dictionary ?? []
        let sexes = table.column(named: "sex")?.dictionary ?? []
        return [
            try HierarchyRecipe.bands([5, 10, 20], top: nil).build(column: "age", values: ages),
            try HierarchyRecipe.prefix([1, 2, 5]).build(column: "zip", values: zips),
            try HierarchyRecipe.explicit(Hierarchy(column: "sex", rows: [["F", "*"], ["M", "*"]])).build(column: "sex", values: sexes),
        ]
    }

    /// Every node's loss, from the same building blocks, without pruning.
    static func exhaustive(_ table: Table, _ configuration: AnonymizationConfiguration) throws -> (levels: [Int], loss: Double)? {
        let data = try EncodedData(table: table, hierarchies: configuration.quasiIdentifiers, sensitive: configuration.sensitive,
                                   sensitiveHierarchy: configuration.sensitiveHierarchy)
        var closeness: ClosenessReference?
        for model in configuration.models {
            if case let .tCloseness(_, distance) = model { closeness = try ClosenessReference(data: data, distance: distance) }
        }
        let evaluator = MetricEvaluator(data: data, metric: configuration.metric)
        let limit = Int((configuration.suppressionLimit * Double(data.rowCount)).rounded(.down))
        var nodes: [[Int]] = [[]]
        for height in data.heights { nodes = nodes.flatMap { prefix in (0..<height).map { prefix + [$0] } } }
        var best: (levels: [Int], loss: Double)?
        for levels in nodes {
            let classes = EquivalenceClasses(data: data, levels: levels, from: Cells.bottom(data), models: configuration.models,
                                             closeness: closeness)
            guard classes.outliers <= limit else { continue }
            let loss = evaluator.loss(levels, classes)
            #expect(evaluator.lowerBound(levels) <= loss + 1e-9, "bound above loss at \(levels)")
            if best == nil || loss < best?.loss ?? .infinity { best = (levels, loss) }
        }
        return best
    }

    static let cases: [(String, [PrivacyModel], Double, LossMetric)] = [
        ("k3", [.kAnonymity(3)], 0.05, .entropy),
        ("k5 loss", [.kAnonymity(5)], 0.02, .loss),
        ("k4 dm", [.kAnonymity(4)], 0.1, .discernibility),
        ("k4 aecs", [.kAnonymity(4)], 0.0, .aecs),
        ("distinct-l3", [.kAnonymity(2), .lDiversity(3, .distinct)], 0.05, .entropyNonMonotonic),
        ("entropy-l2", [.lDiversity(2, .entropy)], 0.05, .entropyNonMonotonic),
        ("recursive", [.lDiversity(2, .recursive(c: 3))], 0.1, .entropy),
        ("t-equal", [.kAnonymity(2), .tCloseness(0.3, .equal)], 0.05, .loss),
        ("t-ordered", [.tCloseness(0.25, .ordered)], 0.05, .entropy),
    ]

    @Test(arguments: 0..<cases.count)
    func prunedSearchMatchesExhaustiveSearch(_ index: Int) throws {
        let (name, models, suppression, metric) = Self.cases[index]
        let table = Self.table(seed: UInt64(index + 1), rows: 400)
        let configuration = AnonymizationConfiguration(
            quasiIdentifiers: try Self.hierarchies(for: table),
            sensitive: models.contains(where: \.needsSensitiveColumn) ? "diagnosis" : nil,
            models: models, suppressionLimit: suppression, metric: metric)
        let expected = try Self.exhaustive(table, configuration)
        guard let expected else {
            #expect(throws: AnonymizationError.self) { try Anonymizer.anonymize(table, configuration: configuration) }
            return
        }
        let result = try Anonymizer.anonymize(table, configuration: configuration)
        #expect(abs(result.loss - expected.loss) <= 1e-9 * max(1, abs(expected.loss)), "\(name): \(result.loss) vs \(expected.loss)")
        #expect(result.checked <= result.latticeSize)
    }

    @Test func theOutputHonoursTheModels() throws {
        let table = Self.table(seed: 99, rows: 600)
        let result = try Anonymizer.anonymize(table, configuration: AnonymizationConfiguration(
            quasiIdentifiers: try Self.hierarchies(for: table), sensitive: "diagnosis",
            models: [.kAnonymity(6), .lDiversity(3, .distinct)], suppressionLimit: 0.05, metric: .entropy))
        var classes: [[String]: [String]] = [:]
        for row in 0..<result.table.rowCount where !result.suppressedRecords[row] {
            let values = result.table.row(row).map { $0 ?? "" }
            classes[Array(values.prefix(3)), default: []].append(values[3])
        }
        #expect(!classes.isEmpty)
        for (key, diagnoses) in classes {
            #expect(diagnoses.count >= 6, "class \(key) has \(diagnoses.count) records")
            #expect(Set(diagnoses).count >= 3, "class \(key) is not 3-diverse")
        }
        let suppressed = result.suppressedRecords.filter { $0 }.count
        #expect(suppressed == result.suppressed)
        #expect(suppressed <= 30)
        for row in 0..<result.table.rowCount where result.suppressedRecords[row] {
            #expect(result.table.row(row) == ["*", "*", "*", "*"])
        }
        #expect(result.risk.highestProsecutorRisk <= 1.0 / 6 + 1e-12)
    }
}
