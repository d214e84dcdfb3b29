import Foundation
import OperationalStore
import Tabular
import Testing
import TestSupport
@testable import Anonymization

/// ARX's own expectations on the Adult dataset (ARX test suite:
/// TestAnonymizationKAnonymity, TestAnonymizationEntropyLDiversity).
@Suite struct ARXAcceptanceTests {
    static let columns = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation",
                          "salary-class"]

    static func adult() throws -> Table {
        try CSVTable.load(TestSupport.sharedPath("data/arx-adult/adult.csv")).table
    }

    static func hierarchies(except sensitive: String? = nil) throws -> [Hierarchy] {
        try columns.filter { $0 != sensitive }.map { column in
            try Hierarchy.load(arxFile: TestSupport.sharedPath("data/arx-adult/adult_hierarchy_\(column).csv"), column: column)
        }
    }

    /// ARX prints losses with Java's Double.toString; equal doubles print alike, so
    /// the comparison allows for a different summation order only (1e-9 relative).
    static func same(_ actual: Double, _ expected: Double) -> Bool {
        abs(actual - expected) <= abs(expected) * 1e-9
    }

    @Test func kFiveWithFourPercentSuppression() throws {
        let result = try Anonymizer.anonymize(try Self.adult(), configuration: AnonymizationConfiguration(
            quasiIdentifiers: try Self.hierarchies(), models: [.kAnonymity(5)], suppressionLimit: 0.04, metric: .entropy))
        #expect(result.transformation == [1, 0, 1, 1, 3, 2, 2, 0, 1])
        #expect(Self.same(result.loss, 255559.85455731067), "loss \(result.loss)")
        #expect(result.latticeSize == 12_960)
        #expect(result.suppressed <= 1206)
        #expect(result.risk.highestProsecutorRisk <= 0.2)
    }

    @Test func kHundredWithoutSuppression() throws {
        let result = try Anonymizer.anonymize(try Self.adult(), configuration: AnonymizationConfiguration(
            quasiIdentifiers: try Self.hierarchies(), models: [.kAnonymity(100)], suppressionLimit: 0, metric: .entropy))
        #expect(result.transformation == [0, 4, 1, 1, 3, 2, 2, 1, 1])
        #expect(Self.same(result.loss, 453196.8932458743), "loss \(result.loss)")
        #expect(result.suppressed == 0)
    }

    @Test func entropyLDiversityOnOccupation() throws {
        let result = try Anonymizer.anonymize(try Self.adult(), configuration: AnonymizationConfiguration(
            quasiIdentifiers: try Self.hierarchies(except: "occupation"), sensitive: "occupation",
            models: [.lDiversity(5, .entropy)], suppressionLimit: 0.04, metric: .entropyNonMonotonic))
        #expect(result.transformation == [1, 0, 1, 1, 2, 2, 2, 1])
        #expect(Self.same(result.loss, 228878.2039109517), "loss \(result.loss)")
    }

    /// ARX 3.9.2, `createDiscernabilityMetric(true)` (DM*), k = 3, 1% suppression.
    @Test func dmStarMatchesARX() throws {
        let result = try Anonymizer.anonymize(try Self.adult(), configuration: AnonymizationConfiguration(
            quasiIdentifiers: try Self.hierarchies(), models: [.kAnonymity(3)], suppressionLimit: 0.01, metric: .discernibilityStar))
        #expect(result.transformation == [1, 0, 1, 2, 3, 2, 2, 0, 1])
        #expect(result.loss == 2_300_532, "loss \(result.loss)")
    }

    /// DM* against an independent brute force: every transformation of four of Adult's
    /// quasi-identifiers, grouped by plain dictionaries, classes under k suppressed when
    /// they fit the limit, the smallest Σ|E|² kept.
    @Test func dmStarIsTheBruteForceOptimum() throws {
        let table = try Self.adult()
        let chosen = ["sex", "race", "marital-status", "salary-class"]
        let hierarchies = try Self.hierarchies().filter { chosen.contains($0.column) }
        let (k, limit) = (5, 0.02)
        let result = try Anonymizer.anonymize(table, configuration: AnonymizationConfiguration(
            quasiIdentifiers: hierarchies, models: [.kAnonymity(k)], suppressionLimit: limit, metric: .discernibilityStar))
        let columns = hierarchies.map { hierarchy in
            (hierarchy, Dictionary(hierarchy.rows.map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a }),
             table.column(named: hierarchy.column)?.values ?? [])
        }
        var best: (loss: Double, levels: [Int])?
        func visit(_ levels: [Int]) {
            if levels.count < columns.count {
                for level in 0..<columns[levels.count].0.height { visit(levels + [level]) }
                return
            }
            var classes: [[String]: Int] = [:]
            for row in 0..<table.rowCount {
                let key = columns.indices.map { c in columns[c].1[columns[c].2[row] ?? ""]?[levels[c]] ?? "?" }
                classes[key, default: 0] += 1
            }
            let suppressed = classes.values.filter { $0 < k }.reduce(0, +)
            guard Double(suppressed) <= limit * Double(table.rowCount) else { return }
            let loss = classes.values.reduce(0.0) { $0 + Double($1) * Double($1) }
            if best == nil || loss < best!.loss { best = (loss, levels) }
        }
        visit([])
        #expect(result.loss == best?.loss, "brute force \(String(describing: best)), search \(result.loss) at \(result.transformation)")
    }
}
