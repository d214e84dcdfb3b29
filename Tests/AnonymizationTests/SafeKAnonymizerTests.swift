import Foundation
import Tabular
import Testing
@testable import Anonymization

/// The utility the exponential mechanism chooses a generalisation with must have
/// the sensitivity it claims: checked on random neighbouring tables, every node.
@Suite struct SafeKAnonymizerTests {
    static let ageRecipe = HierarchyRecipe.bands([5, 10], top: 60)
    static let zipRecipe = HierarchyRecipe.prefix([1, 2])

    static func hierarchies(_ table: Table) throws -> [Hierarchy] {
        [try ageRecipe.build(column: "age", values: table.column(named: "age")?.dictionary ?? []),
         try zipRecipe.build(column: "zip", values: table.column(named: "zip")?.dictionary ?? []),
         try HierarchyRecipe.valueOrSuppressed.build(column: "type", values: table.column(named: "type")?.dictionary ?? [])]
    }

    static func randomRow(_ generator: inout SystemRandomNumberGenerator) -> [String?] {
        [String(Int.random(in: 18...70, using: &generator)), "53" + String(Int.random(in: 200...215, using: &generator)),
         ["A", "B", "C"].randomElement(using: &generator)]
    }

    @Test func utilityChangesByAtMostItsSensitivityBetweenNeighbours() throws {
        var generator = SystemRandomNumberGenerator()
        let heights = [Self.ageRecipe.height, Self.zipRecipe.height, HierarchyRecipe.valueOrSuppressed.height]
        for trial in 0..<30 {
            var table = Table(columnNames: ["age", "zip", "type"])
            for _ in 0..<Int.random(in: 0...120, using: &generator) { table.append(row: Self.randomRow(&generator)) }
            var neighbour = table
            // Half the trials add a copy of an existing row (it joins a class), half a fresh row.
            if trial % 2 == 0, table.rowCount > 0 {
                neighbour.append(row: table.row(Int.random(in: 0..<table.rowCount, using: &generator)))
            } else {
                neighbour.append(row: Self.randomRow(&generator))
            }
            let k = [1, 2, 3, 5, 8][trial % 5]
            let a = try SafeKAnonymizer.utilities(table, hierarchies: try Self.hierarchies(table), heights: heights, k: k)
            let b = try SafeKAnonymizer.utilities(neighbour, hierarchies: try Self.hierarchies(neighbour), heights: heights, k: k)
            #expect(a.nodes == b.nodes, "the lattice does not depend on the data")
            #expect(a.sensitivity == b.sensitivity)
            for (x, y) in zip(a.utilities, b.utilities) {
                #expect(abs(x - y) <= a.sensitivity, "k = \(k): \(x) vs \(y), Δ = \(a.sensitivity)")
            }
        }
    }

    @Test func appliedTransformationSuppressesEveryClassBelowK() throws {
        var generator = SystemRandomNumberGenerator()
        var table = Table(columnNames: ["age", "zip", "type"])
        for _ in 0..<500 { table.append(row: Self.randomRow(&generator)) }
        let hierarchies = try Self.hierarchies(table)
        for levels in SafeKAnonymizer.lattice(heights: hierarchies.map(\.height)) {
            let published = try SafeKAnonymizer.apply(table, hierarchies: hierarchies, levels: levels, k: 7)
            var sizes: [[String?]: Int] = [:]
            for row in 0..<published.rowCount { sizes[published.row(row), default: 0] += 1 }
            #expect(sizes.values.allSatisfy { $0 >= 7 }, "levels \(levels)")
        }
    }
}
