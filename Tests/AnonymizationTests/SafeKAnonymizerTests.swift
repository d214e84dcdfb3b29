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
                // Monotone: the neighbour with one record more never scores lower (the exponential
                // mechanism relies on it to use exp(ε·u/Δ)).
                #expect(y >= x, "k = \(k): adding a record lowered a utility from \(x) to \(y)")
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

    /// Every node's utility equals the definition computed directly from the rows, also where
    /// levels map the data one to one (the scorer groups such nodes once) and from raised lowest levels.
    @Test func utilitiesMatchTheDefinitionOnEveryNode() throws {
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<24 {
            var table = Table(columnNames: ["age", "zip", "type"])
            // Narrow value ranges in some trials make whole steps one to one (one zip prefix, one type).
            let narrow = trial % 3
            for _ in 0..<Int.random(in: 1...150, using: &generator) {
                let zip = narrow == 0 ? "5320" + String(Int.random(in: 0...9, using: &generator))
                                      : "53" + String(Int.random(in: 200...215, using: &generator))
                let type = narrow == 1 ? "A" : ["A", "B", "C"].randomElement(using: &generator)
                table.append(row: [String(Int.random(in: 18...70, using: &generator)), zip, type])
            }
            let hierarchies = try Self.hierarchies(table)
            let heights = hierarchies.map(\.height)
            let lowest = trial % 2 == 0 ? nil : [1, 0, 0]
            let k = [1, 2, 3, 5][trial % 4]
            let scores = try SafeKAnonymizer.utilities(table, hierarchies: hierarchies, heights: heights, lowest: lowest, k: k)
            let m = Int64(heights.count)
            let denominator = heights.reduce(Int64(1)) { SafeKAnonymizer.lcm($0, Int64(max($1 - 1, 1))) }
            for (node, levels) in scores.nodes.enumerated() {
                var sizes: [[String]: Int] = [:]
                for row in 0..<table.rowCount {
                    let key = table.row(row).enumerated().map { c, value in
                        hierarchies[c].rows.first { $0[0] == value }?[levels[c]] ?? "?"
                    }
                    sizes[key, default: 0] += 1
                }
                let weight = sizes.values.reduce(Int64(0)) { $0 + ($1 >= k ? Int64($1) : Int64(max(0, 2 * $1 - k))) }
                let cost = zip(levels, heights).reduce(Int64(0)) { $0 + ($1.1 > 1 ? Int64($1.0) * (denominator / Int64($1.1 - 1)) : 0) }
                #expect(scores.utilities[node] == weight * (2 * m * denominator - cost), "trial \(trial), levels \(levels)")
            }
        }
    }
}
