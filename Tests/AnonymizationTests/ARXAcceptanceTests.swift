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
}
