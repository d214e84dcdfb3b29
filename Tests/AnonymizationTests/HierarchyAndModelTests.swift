import Foundation
import Testing
import TestSupport
@testable import Anonymization

@Suite struct HierarchyAndModelTests {
    @Test func buildersGeneraliseAsDesignSays() throws {
        let blocks = try HierarchyRecipe.streetBlock([100, 1000]).build(column: "address", values: ["1234 N MAIN ST", "3017-A N 28TH ST", "N 35TH ST / W CENTER ST"])
        #expect(blocks.rows[0] == ["1234 N MAIN ST", "1200 BLOCK N MAIN ST", "1000 BLOCK N MAIN ST", "N MAIN ST", "*"])
        #expect(blocks.rows[1] == ["3017-A N 28TH ST", "3000 BLOCK N 28TH ST", "3000 BLOCK N 28TH ST", "N 28TH ST", "*"])
        #expect(blocks.rows[2].last == "*")

        // The byte-level path for ASCII addresses gives what the Character-level path gives.
        let tricky = ["1234 N MAIN ST", "3017-A N 28TH ST", "3017-A\tN 28TH ST ", "12A N MAIN", "  12 N MAIN", "0 W ST",
                      "99999999999999999999 W ST", "7", "7-", "7 ", "-7 MAIN", "N 35TH ST / W CENTER ST", "", "12\r\nMAIN",
                      "12-B\r\nMAIN ST\t", "1200 BLOCK N MAIN ST", "12 \u{0B}MAIN"]
        for value in tricky {
            #expect(HierarchyRecipe.asciiStreetBlocks(value, sizes: [100, 1000]) == HierarchyRecipe.streetBlocks(value, sizes: [100, 1000]),
                    "\(value.debugDescription)")
        }
        #expect(HierarchyRecipe.asciiStreetBlocks("12 RUE DE L'ÉGLISE", sizes: [100]) == nil, "non-ASCII takes the general path")

        let ages = try HierarchyRecipe.bands([5, 10, 20], top: 80).build(column: "age", values: ["37", "84", "79"])
        #expect(ages.rows[0] == ["37", "35-39", "30-39", "20-39", "*"])
        #expect(ages.rows[1] == ["84", "80+", "80+", "80+", "*"])
        #expect(ages.rows[2] == ["79", "75-79", "70-79", "60-79", "*"])

        let zips = try HierarchyRecipe.prefix([1, 2]).build(column: "zip", values: ["53211"])
        #expect(zips.rows[0] == ["53211", "5321*", "532**", "*"])
        let coordinates = try HierarchyRecipe.round([3, 2]).build(column: "lat", values: ["43.1127987"])
        #expect(coordinates.rows[0] == ["43.1127987", "43.113", "43.11", "*"])

        let chicago = try #require(TimeZone(identifier: "America/Chicago"))
        let times = try HierarchyRecipe.time([.hour, .day, .week, .month, .quarter, .year], timezone: chicago)
            .build(column: "t", values: ["2026-11-23T03:15:00Z"])
        #expect(times.rows[0] == ["2026-11-23T03:15:00Z", "2026-11-22T21", "2026-11-22", "2026-W47", "2026-11", "2026-Q4", "2026", "*"])
    }

    @Test func badInputIsNamedWithValueAndLevel() throws {
        #expect(throws: AnonymizationError.unreadableValue(column: "age", value: "old", reason: "bands need numbers")) {
            try HierarchyRecipe.bands([5], top: nil).build(column: "age", values: ["old"])
        }
        let broken = Hierarchy(column: "c", rows: [["a", "x", "*"], ["b", "x", "*"], ["c", "y", "*"], ["d", "x", "z"]])
        #expect(throws: AnonymizationError.lastLevelNotSuppressed(column: "c", value: "d")) { try broken.validate(covering: []) }
        let notNested = Hierarchy(column: "c", rows: [["a", "x", "p", "*"], ["b", "x", "q", "*"]])
        #expect(throws: AnonymizationError.notAFunction(column: "c", value: "x", level: 1)) { try notNested.validate(covering: []) }
        let fine = Hierarchy(column: "c", rows: [["a", "x", "*"], ["b", "x", "*"]])
        #expect(throws: AnonymizationError.valueNotCovered(column: "c", value: "e")) { try fine.validate(covering: ["a", "e"]) }
        let folder = TestSupport.temporaryFolder("hierarchy")
        TestSupport.write("a;x;*\nb;*\n", to: folder + "/h.csv")
        #expect(throws: AnonymizationError.malformedHierarchy(file: folder + "/h.csv", line: 2, reason: "2 levels where the first row has 3")) {
            try Hierarchy.load(arxFile: folder + "/h.csv", column: "c")
        }
    }

    @Test func diversityVariantsFollowTheirDefinitions() {
        // Entropy ℓ-diversity: ARX's form Σ f ln f ≤ n (ln n − ln ℓ).
        #expect(Diversity.holds(counts: [5, 5], total: 10, l: 2, variant: .entropy))
        #expect(!Diversity.holds(counts: [9, 1], total: 10, l: 2, variant: .entropy))
        #expect(Diversity.holds(counts: [1, 1, 1], total: 3, l: 3, variant: .distinct))
        #expect(!Diversity.holds(counts: [2, 1], total: 3, l: 3, variant: .distinct))
        // Recursive (3, 2): r1 < 3 (r2 + …).
        #expect(Diversity.holds(counts: [5, 2], total: 7, l: 2, variant: .recursive(c: 3)))
        #expect(!Diversity.holds(counts: [6, 2], total: 8, l: 2, variant: .recursive(c: 3)))
    }

    @Test func earthMoversDistancesMatchLiEtAl() throws {
        // Li et al. 2007, §4: salaries 3k…11k; class {3k, 4k, 5k} against the uniform table: ordered EMD 0.375.
        var table = Tabular.Table(columnNames: ["q", "salary"])
        for salary in 3...11 { table.append(row: [salary <= 5 ? "a" : "b", "\(salary)"]) }
        let qi = Hierarchy(column: "q", rows: [["a", "*"], ["b", "*"]])
        let data = try EncodedData(table: table, hierarchies: [qi], sensitive: "salary", sensitiveHierarchy: nil)
        let ordered = try ClosenessReference(data: data, distance: .ordered)
        var histogram = [Int](repeating: 0, count: 9)
        for code in 0..<3 { histogram[code] = 1 }
        #expect(abs(ordered.distance(histogram: histogram, touched: [0, 1, 2], total: 3) - 0.375) < 1e-12)
        let equal = try ClosenessReference(data: data, distance: .equal)
        #expect(abs(equal.distance(histogram: histogram, touched: [0, 1, 2], total: 3) - 2.0 / 3) < 1e-12)
    }

    @Test func hierarchicalDistanceUsesTheTree() throws {
        var table = Tabular.Table(columnNames: ["q", "disease"])
        for disease in ["flu", "cold", "ulcer", "gastritis"] { table.append(row: ["a", disease]) }
        let qi = Hierarchy(column: "q", rows: [["a", "*"]])
        let tree = Hierarchy(column: "disease", rows: [["flu", "respiratory", "*"], ["cold", "respiratory", "*"],
                                                        ["ulcer", "digestive", "*"], ["gastritis", "digestive", "*"]])
        let data = try EncodedData(table: table, hierarchies: [qi], sensitive: "disease", sensitiveHierarchy: tree)
        let reference = try ClosenessReference(data: data, distance: .hierarchical)
        // A class of {flu, cold}: half the mass must move across the root (cost 1 each): 0.5.
        var histogram = [0, 0, 0, 0]
        histogram[0] = 1; histogram[1] = 1
        #expect(abs(reference.distance(histogram: histogram, touched: [0, 1], total: 2) - 0.5) < 1e-12)
        // A class of {flu, flu}: 0.25 within the subtree (cost ½) and 0.5 across the root (cost 1): 0.125 + 0.5.
        histogram = [2, 0, 0, 0]
        #expect(abs(reference.distance(histogram: histogram, touched: [0], total: 2) - 0.625) < 1e-12)
    }

    @Test func naiveTimestampsAreLabelledInTheirOwnZone() throws {
        let chicago = try #require(TimeZone(identifier: "America/Chicago"))
        let values = ["2026-05-01 23:30:00", "2026-05-01T04:30:00Z", "2026-03-08 03:15:00", "2026-11-01 01:30:00", "2026-11-01 23:30:00"]
        let hierarchy = try HierarchyRecipe.time([.hour, .day], timezone: chicago).build(column: "t", values: values)
        let labels = Dictionary(uniqueKeysWithValues: hierarchy.rows.map { ($0[0], Array($0[1...2])) })
        #expect(labels["2026-05-01 23:30:00"] == ["2026-05-01T23", "2026-05-01"], "a naive value keeps its wall-clock hour")
        #expect(labels["2026-05-01T04:30:00Z"] == ["2026-04-30T23", "2026-04-30"], "an instant is shown in local time")
        #expect(labels["2026-03-08 03:15:00"] == ["2026-03-08T03", "2026-03-08"], "after the clocks went forward")
        #expect(labels["2026-11-01 01:30:00"] == ["2026-11-01T01", "2026-11-01"], "in the repeated hour")
        #expect(labels["2026-11-01 23:30:00"] == ["2026-11-01T23", "2026-11-01"], "late on the 25-hour day")
    }
}

import Tabular

@Suite struct LostColumnsTests {
    @Test func aColumnRemovedForMostRecordsIsReported() {
        var table = Tabular.Table(columnNames: ["place", "age"])
        for row in [["*", "30-39"], ["*", "30-39"], ["*", "*"], ["N MAIN ST", "40-49"]] { table.append(row: row) }
        let lost = LostColumns.find(in: table, columns: ["place", "age"])
        #expect(lost == [LostColumns.Finding(column: "place", share: 0.75)])
        #expect(LostColumns.sentence(lost[0], k: 5, remedy: .localRecoding).contains("column place lost its value: it is * (removed) in 75% of the records to reach k = 5"))
    }
}
