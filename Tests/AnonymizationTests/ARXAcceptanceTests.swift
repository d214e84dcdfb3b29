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

    /// ARX's iterative local recoding brought Adult at k = 10 from 3,983 suppressed records to 0;
    /// ours must too, with less loss than the full-domain optimum, every round at least as
    /// general as the one before, and every published class of at least 10 records.
    @Test func localRecodingPublishesEveryRecordAtKTen() throws {
        let table = try Self.adult()
        var configuration = AnonymizationConfiguration(quasiIdentifiers: try Self.hierarchies(), models: [.kAnonymity(10)],
                                                       suppressionLimit: 1, metric: .loss)
        let global = try Anonymizer.anonymize(table, configuration: configuration)
        #expect(global.suppressed == 3983)
        configuration.recoding = .local
        let local = try Anonymizer.anonymize(table, configuration: configuration)
        #expect(local.transformation == global.transformation)
        #expect(local.suppressed == 0)
        let fullDomain = try #require(local.fullDomainLoss)
        #expect(Self.same(fullDomain, global.loss), "\(fullDomain) vs \(global.loss)")
        #expect(local.loss < global.loss, "\(local.loss) vs \(global.loss)")
        for (earlier, later) in zip(local.rounds, local.rounds.dropFirst()) {
            #expect(zip(earlier.levels, later.levels).allSatisfy { $0 <= $1 }, "\(earlier.levels) then \(later.levels)")
        }
        var sizes: [[String?]: Int] = [:]
        for row in 0..<local.table.rowCount { sizes[Array(local.table.row(row).prefix(Self.columns.count)), default: 0] += 1 }
        #expect(sizes.values.allSatisfy { $0 >= 10 })
        #expect(local.risk.highestProsecutorRisk <= 0.1)
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

    /// Independent check of Grassberger entropy ℓ-diversity for one transformation: rows grouped by
    /// plain dictionaries, ψ from exact harmonic sums (ψ(n) = −γ + Σ 1/k, ψ(n + ½) = −γ − 2 ln 2 + Σ 2/(2k − 1)),
    /// classes that fail suppressed when they fit the limit. Returns nil when the transformation fails.
    static func grassbergerFeasible(_ table: Table, _ hierarchies: [Hierarchy], sensitive: String, levels: [Int], l: Double,
                                    limit: Double) -> [[String]: [String: Int]]? {
        let gamma = 0.57721566490153286
        func psi(twice m: Int) -> Double { // ψ(m / 2)
            if m % 2 == 0 { return -gamma + (1..<(m / 2)).reduce(0.0) { $0 + 1 / Double($1) } }
            return -gamma - 2 * log(2.0) + (0..<(m / 2)).reduce(0.0) { $0 + 2 / Double(2 * $1 + 1) }
        }
        func g(_ n: Int) -> Double { psi(twice: 2 * n) + 0.5 * (n % 2 == 0 ? 1 : -1) * (psi(twice: n + 1) - psi(twice: n)) }
        let maps = hierarchies.map { h in Dictionary(h.rows.map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a }) }
        let values = hierarchies.map { table.column(named: $0.column)?.values ?? [] }
        let secret = table.column(named: sensitive)?.values ?? []
        var classes: [[String]: [String: Int]] = [:]
        for row in 0..<table.rowCount {
            let key = hierarchies.indices.map { maps[$0][values[$0][row] ?? ""]?[levels[$0]] ?? "?" }
            classes[key, default: [:]][secret[row] ?? "", default: 0] += 1
        }
        var suppressed = 0
        for (_, counts) in classes {
            let n = counts.values.reduce(0, +)
            let estimate = g(n) - counts.values.reduce(0.0) { $0 + Double($1) * g($1) } / Double(n)
            if Double(counts.count) < l.rounded(.up) || estimate < log(l) - 1e-9 { suppressed += n }
        }
        return Double(suppressed) <= limit * Double(table.rowCount) ? classes : nil
    }

    /// Grassberger entropy ℓ = 5 on occupation, 4% suppression, non-monotonic entropy over the eight
    /// other columns (ARX's TestAnonymizationEntropyLDiversity case 0, which expects [1,0,1,0,3,2,2,0]
    /// with loss 216092.124036387). The criterion is ARX's; the optimum is better than ARX's because
    /// ARX declares entropy ℓ-diversity monotone under generalisation and prunes with it, which the
    /// Grassberger estimate is not: both transformations pass the independent check, and ours,
    /// which ARX's pruning skips, loses less.
    @Test func grassbergerEntropyLDiversityBeatsARXsPrunedOptimum() throws {
        let table = try Self.adult()
        let hierarchies = try Self.hierarchies(except: "occupation")
        let result = try Anonymizer.anonymize(table, configuration: AnonymizationConfiguration(
            quasiIdentifiers: hierarchies, sensitive: "occupation",
            models: [.lDiversity(5, .grassberger)], suppressionLimit: 0.04, metric: .entropyNonMonotonic))
        #expect(result.loss < 216092.124036387, "loss \(result.loss) at \(result.transformation)")
        #expect(Self.grassbergerFeasible(table, hierarchies, sensitive: "occupation", levels: result.transformation, l: 5, limit: 0.04) != nil)
        #expect(Self.grassbergerFeasible(table, hierarchies, sensitive: "occupation", levels: [1, 0, 1, 0, 3, 2, 2, 0], l: 5, limit: 0.04) != nil)
        // Shannon's stricter estimate refuses our transformation (its optimum is ARX's, tested above).
        let shannon = try Anonymizer.anonymize(table, configuration: AnonymizationConfiguration(
            quasiIdentifiers: hierarchies, sensitive: "occupation",
            models: [.lDiversity(5, .entropy)], suppressionLimit: 0.04, metric: .entropyNonMonotonic))
        #expect(shannon.loss > result.loss)
    }

    /// Grassberger ℓ-diversity against an independent brute force over every transformation of
    /// five of Adult's columns (DM*, computed independently, picks the optimum).
    @Test func grassbergerIsTheBruteForceOptimum() throws {
        let table = try Self.adult()
        let hierarchies = try Self.hierarchies().filter { ["sex", "race", "marital-status", "workclass", "salary-class"].contains($0.column) }
        let (l, limit) = (3.0, 0.02)
        let result = try Anonymizer.anonymize(table, configuration: AnonymizationConfiguration(
            quasiIdentifiers: hierarchies, sensitive: "occupation", models: [.lDiversity(l, .grassberger)],
            suppressionLimit: limit, metric: .discernibilityStar))
        var best: (loss: Double, levels: [Int])?
        func visit(_ levels: [Int]) {
            if levels.count < hierarchies.count {
                for level in 0..<hierarchies[levels.count].height { visit(levels + [level]) }
                return
            }
            guard let classes = Self.grassbergerFeasible(table, hierarchies, sensitive: "occupation", levels: levels, l: l, limit: limit) else { return }
            let loss = classes.values.reduce(0.0) { total, counts in
                let n = Double(counts.values.reduce(0, +))
                return total + n * n
            }
            if best == nil || loss < best!.loss { best = (loss, levels) }
        }
        visit([])
        #expect(result.loss == best?.loss, "brute force \(String(describing: best)), search \(result.loss) at \(result.transformation)")
    }

    /// ψ and G against values computed independently (ψ(1) = −γ, ψ(½) = −γ − 2 ln 2,
    /// ψ(n + 1) = ψ(n) + 1/n), and the estimator against Grassberger's exact G for small n.
    @Test func digammaAndGrassbergerG() {
        let gamma = 0.57721566490153286
        #expect(abs(Digamma.psi(1) + gamma) < 1e-13)
        #expect(abs(Digamma.psi(0.5) + gamma + 2 * log(2.0)) < 1e-13)
        var harmonic = 0.0
        for n in 1...200 {
            #expect(abs(Digamma.psi(Double(n)) - (-gamma + harmonic)) < 1e-12, "psi(\(n))")
            harmonic += 1 / Double(n)
        }
        // G(1) = ψ(1) − ½(ψ(1) − ψ(½)) = −γ − ln 2; G(2) = ψ(2) + ½(ψ(3/2) − ψ(1)) = 1 − γ + (1 − ln 2)... = 2 − γ − ln 2.
        #expect(abs(Digamma.grassbergerG(1) - (-gamma - log(2.0))) < 1e-12)
        #expect(abs(Digamma.grassbergerG(2) - (2 - gamma - log(2.0))) < 1e-12)
    }
}
