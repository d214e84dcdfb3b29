import Foundation
import Tabular
import Testing
@testable import Anonymization

/// Local recoding publishes what full-domain generalisation suppresses without
/// breaking k or ℓ, and both recodings stay exact when a hierarchy's steps are
/// not nested (an ISO week that straddles two months).
@Suite struct LocalRecodingTests {
    /// Published classes (identical quasi-identifiers) with their sensitive values.
    static func classes(_ result: AnonymizationResult, quasiIdentifiers: Int, sensitive: Int?) -> [[String]: [String]] {
        var classes: [[String]: [String]] = [:]
        for row in 0..<result.table.rowCount where !result.suppressedRecords[row] {
            let values = result.table.row(row).map { $0 ?? "" }
            classes[Array(values.prefix(quasiIdentifiers)), default: []].append(sensitive.map { values[$0] } ?? "")
        }
        return classes
    }

    static func check(_ result: AnonymizationResult, k: Int, l: Int?, quasiIdentifiers: Int, sensitive: Int?, context: String) {
        for (key, values) in classes(result, quasiIdentifiers: quasiIdentifiers, sensitive: sensitive) {
            #expect(values.count >= k, "\(context): class \(key) has \(values.count) records")
            if let l { #expect(Set(values).count >= l, "\(context): class \(key) has \(Set(values).count) distinct values") }
        }
        #expect(result.suppressedRecords.filter { $0 }.count == result.suppressed, "\(context)")
        for row in 0..<result.table.rowCount where result.suppressedRecords[row] {
            #expect(result.table.row(row).prefix(quasiIdentifiers).allSatisfy { $0 == "*" }, "\(context)")
        }
    }

    @Test func localRecodingKeepsTheModelsAndNeverLosesToTheFullDomainOptimum() throws {
        for seed in 1...12 {
            let table = SearchOptimalityTests.table(seed: UInt64(seed), rows: 300 + 40 * seed)
            let k = [3, 5, 8, 10][seed % 4]
            let diverse = seed % 3 == 0
            var configuration = AnonymizationConfiguration(
                quasiIdentifiers: try SearchOptimalityTests.hierarchies(for: table), sensitive: diverse ? "diagnosis" : nil,
                models: diverse ? [.kAnonymity(k), .lDiversity(2, .distinct)] : [.kAnonymity(k)],
                suppressionLimit: [0.0, 0.02, 0.1, 1.0][seed % 4], metric: seed % 2 == 0 ? .loss : .discernibility)
            let global = try Anonymizer.anonymize(table, configuration: configuration)
            configuration.recoding = .local
            let local = try Anonymizer.anonymize(table, configuration: configuration)
            let context = "seed \(seed), k \(k)"
            Self.check(local, k: k, l: diverse ? 2 : nil, quasiIdentifiers: 3, sensitive: 3, context: context)
            #expect(local.transformation == global.transformation, "\(context): the first round is the full-domain optimum")
            #expect(local.suppressed <= global.suppressed, "\(context)")
            if global.suppressed >= k { #expect(local.suppressed < global.suppressed, "\(context): \(global.suppressed) suppressed were left alone") }
            let fullDomain = try #require(local.fullDomainLoss)
            #expect(local.loss <= fullDomain + 1e-12, "\(context): \(local.loss) vs \(fullDomain)")
            #expect(local.rounds.reduce(0) { $0 + $1.records } == table.rowCount - local.suppressed, "\(context)")
            // Every published value is a label of its column's hierarchy.
            let hierarchies = configuration.quasiIdentifiers
            for row in 0..<local.table.rowCount where !local.suppressedRecords[row] {
                for (c, hierarchy) in hierarchies.enumerated() {
                    let value = local.table.row(row)[c] ?? ""
                    #expect(hierarchy.rows.contains { $0.contains(value) }, "\(context): \(value) is no label of \(hierarchy.column)")
                }
            }
        }
    }

    /// t-closeness under local recoding is measured against the whole table, in every round and for
    /// classes merged across rounds: every published class is within t of the whole table's
    /// distribution, computed here independently (Li et al. 2007: equal and ordered distances).
    @Test func tClosenessHoldsAgainstTheWholeTable() throws {
        for seed in 1...8 {
            let table = SearchOptimalityTests.table(seed: UInt64(100 + seed), rows: 250 + 50 * seed)
            let distance: TClosenessDistance = seed % 2 == 0 ? .equal : .ordered
            let t = [0.15, 0.2, 0.3][seed % 3]
            var configuration = AnonymizationConfiguration(
                quasiIdentifiers: try SearchOptimalityTests.hierarchies(for: table), sensitive: "diagnosis",
                models: [.kAnonymity(3), .tCloseness(t, distance)], suppressionLimit: 0.1, metric: .loss)
            configuration.recoding = .local
            let result = try Anonymizer.anonymize(table, configuration: configuration)
            let values = ["asthma", "diabetes", "flu", "fracture", "migraine"]
            let diagnoses = table.column(named: "diagnosis")?.values.map { $0 ?? "" } ?? []
            let whole = values.map { value in Double(diagnoses.filter { $0 == value }.count) / Double(diagnoses.count) }
            for (key, members) in Self.classes(result, quasiIdentifiers: 3, sensitive: 3) {
                let share = values.map { value in Double(members.filter { $0 == value }.count) / Double(members.count) }
                let emd: Double
                if distance == .equal {
                    emd = zip(share, whole).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
                } else {
                    var cumulative = 0.0, sum = 0.0
                    for (p, q) in zip(share, whole) {
                        cumulative += p - q
                        sum += abs(cumulative)
                    }
                    emd = sum / Double(values.count - 1)
                }
                #expect(emd <= t + 1e-9, "seed \(seed): class \(key) is at \(emd) from the whole table (t = \(t), \(distance))")
                #expect(members.count >= 3)
            }
            #expect(result.rounds.count >= 1)
        }
    }

    /// A week too small for k that straddles two months: the month node must be counted from the
    /// records, not from the week's classes (40 records on Dec 26–28, 2 on Dec 29–31, 2 on Jan 1–4,
    /// 20 on Jan 5–6; months of 42 and 22 records).
    @Test func aMonthIsNotCountedFromItsWeeks() throws {
        let zone = try #require(TimeZone(identifier: "UTC"))
        let start = Date(timeIntervalSince1970: 1_766_707_200) // 2025-12-26
        var table = Table(columnNames: ["at", "sex"])
        for (day, count) in [(0, 14), (1, 13), (2, 13), (3, 1), (5, 1), (6, 1), (8, 1), (10, 2), (11, 18)] {
            for index in 0..<count {
                let at = start.addingTimeInterval(Double(day * 86400 + 60 * index))
                table.append(row: [ISO8601DateFormatter().string(from: at), "F"])
            }
        }
        let hierarchies = [
            try HierarchyRecipe.time([.day, .week, .month], timezone: zone).build(column: "at", values: table.column(named: "at")?.dictionary ?? []),
            try HierarchyRecipe.valueOrSuppressed.build(column: "sex", values: ["F"]),
        ]
        // Without suppression the week is infeasible; with room for 4 records it is feasible and
        // its classes are kept, so the month could be rolled up from them.
        for (metric, limit) in [(LossMetric.loss, 0.0), (.discernibility, 0.0), (.entropy, 0.0), (.loss, 0.07), (.discernibility, 0.07),
                                (.aecs, 0.07)] {
            let configuration = AnonymizationConfiguration(quasiIdentifiers: hierarchies, models: [.kAnonymity(5)],
                                                           suppressionLimit: limit, metric: metric)
            let expected = try #require(try SearchOptimalityTests.exhaustive(table, configuration))
            let result = try Anonymizer.anonymize(table, configuration: configuration)
            #expect(result.transformation == expected.levels, "\(metric)")
            #expect(abs(result.loss - expected.loss) <= 1e-9 * max(1, expected.loss), "\(metric): \(result.loss) vs \(expected.loss)")
            Self.check(result, k: 5, l: nil, quasiIdentifiers: 2, sensitive: nil, context: "\(metric)")
            let months = Self.classes(result, quasiIdentifiers: 2, sensitive: nil).mapValues(\.count)
            if result.transformation[0] == 3 { #expect(Set(months.values) == [42, 22], "\(months)") }
        }
    }

    /// Days around a month's end: an ISO week holds days of two months, so month classes are not
    /// unions of week classes. The output must still be k-anonymous and the optimum exact.
    @Test func weeksThatStraddleMonthsStayKAnonymous() throws {
        var generator = SystemRandomNumberGenerator()
        let zone = try #require(TimeZone(identifier: "UTC"))
        let start = Date(timeIntervalSince1970: 1_766_707_200) // 2025-12-26: ISO week 2026-W01 runs Dec 29 – Jan 4
        for trial in 0..<10 {
            var table = Table(columnNames: ["at", "sex"])
            for _ in 0..<Int.random(in: 40...160, using: &generator) {
                let day = Double(Int.random(in: 0..<12, using: &generator))
                let at = start.addingTimeInterval(day * 86400 + Double(Int.random(in: 0..<86400, using: &generator)))
                table.append(row: [ISO8601DateFormatter().string(from: at), Bool.random(using: &generator) ? "F" : "M"])
            }
            let hierarchies = [
                try HierarchyRecipe.time([.day, .week, .month], timezone: zone).build(column: "at", values: table.column(named: "at")?.dictionary ?? []),
                try HierarchyRecipe.valueOrSuppressed.build(column: "sex", values: table.column(named: "sex")?.dictionary ?? []),
            ]
            let k = [2, 4, 7, 12][trial % 4]
            for recoding in Recoding.allCases {
                var configuration = AnonymizationConfiguration(quasiIdentifiers: hierarchies, models: [.kAnonymity(k)],
                                                               suppressionLimit: [0.0, 0.05, 0.2][trial % 3], metric: .loss)
                configuration.recoding = recoding
                guard let expected = try SearchOptimalityTests.exhaustive(table, configuration) else { continue }
                let result = try Anonymizer.anonymize(table, configuration: configuration)
                Self.check(result, k: k, l: nil, quasiIdentifiers: 2, sensitive: nil, context: "trial \(trial), \(recoding)")
                if recoding == .global {
                    #expect(abs(result.loss - expected.loss) <= 1e-9, "trial \(trial): \(result.loss) vs exhaustive \(expected.loss)")
                }
            }
        }
    }
}
