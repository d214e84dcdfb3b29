import Anonymization
import Demo
import DifferentialPrivacy
import Foundation
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher
@testable import PublicSite

/// A DP record file whose policy fixes its generalisation (`generalization:`): parsed and checked
/// with line and column, no count and no search, the whole ε on sampling, and the report says the
/// levels were fixed by the policy. Also the privacy-relevant properties of the search: its
/// candidates are a function of public facts and the noisy count only, and ε's shares add up.
/// False-failure probability: zero (nothing here depends on chance but row counts, which are not asserted).
@Suite struct DeclaredGeneralizationTests {
    /// The reference DP policy's text with `generalization:` after its record file's privacy line.
    static func reference(generalization: String) throws -> String {
        let text = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/calls-for-service-dp.yaml"), encoding: .utf8)
        let privacy = "    privacy: {epsilon: 0.5, delta: 1.0e-6}   # DP record-level release (SafePub-style): sampled, then k-anonymised\n"
        #expect(text.contains(privacy))
        return text.replacingOccurrences(of: privacy, with: privacy + "    generalization: \(generalization)\n")
    }

    /// Diagnostics of a policy text, in a folder with the reference hierarchies.
    static func diagnostics(_ text: String) throws -> (policy: Policy?, problems: [PolicyDiagnostic], line: Int) {
        let folder = TestSupport.temporaryFolder("declared")
        try FileManager.default.copyItem(atPath: TestSupport.sharedPath("fixtures/policies/hierarchies"), toPath: folder + "/hierarchies")
        TestSupport.write(text, to: folder + "/policy.yaml")
        let line = (text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("    generalization:") } ?? -1) + 1
        do {
            return (try PolicyLoader.load(path: folder + "/policy.yaml"), [], line)
        } catch {
            return (nil, error.diagnostics, line)
        }
    }

    @Test func generalizationParsesAndEveryMistakeIsReportedAtItsPosition() throws {
        let good = try Self.diagnostics(try Self.reference(generalization: "{received_at: month, address: 1000, beat: 1, caller_age: 20}"))
        #expect(good.problems.isEmpty, "\(good.problems)")
        let output = try #require(good.policy?.outputs.first { $0.id == "calls" })
        guard case let .microdata(spec) = output.kind else { throw PublisherError.usage("expected microdata") }
        #expect(spec.generalization?.map(\.column) == ["received_at", "address", "beat", "caller_age"])
        #expect(spec.generalization?.map(\.level) == ["month", "1000", "1", "20"])
        let explained = PolicyExplainer.explain(try #require(good.policy)).joined(separator: " ")
        #expect(explained.contains("fixed by this policy (received_at at month, address at 1000, beat at 1, caller_age at 20)"), "\(explained)")

        // One mistake per entry: each reported at its own column of the generalization line.
        let line = "{received_at: fortnight, address: value, beat: 3, caller_age: 15, priority: high, narrative: \"*\"}"
        let bad = try Self.diagnostics(try Self.reference(generalization: line))
        let text = bad.problems.map(\.description).joined(separator: "\n")
        func at(_ word: String) -> Int { (("    generalization: " + line).range(of: word).map { ("    generalization: " + line).distance(from: ("    generalization: " + line).startIndex, to: $0.lowerBound) } ?? -1) + 1 }
        let expected: [(String, String)] = [
            ("fortnight", "received_at is generalised by time: its levels are hour, day, week, month"),
            ("value", "address would publish exact street addresses"),
            ("3, caller_age", "beat is generalised by its hierarchy file, whose levels are numbered 0 (the value) to 2"),
            ("15", "caller_age is generalised by bands: its levels are 5, 10, 20"),
            ("high", "priority has no hierarchy (its treatment is keep), so its level is value or \"*\""),
            ("\"*\"}", "names 'narrative', which the output does not publish"),
        ]
        for (word, message) in expected {
            #expect(bad.problems.contains { $0.location.line == bad.line && $0.location.column == at(word) && $0.message.contains(message) },
                    "\(word) at \(bad.line):\(at(word)): \(text)")
        }

        // A generalised column left out, every column removed, and generalization without privacy.
        let missing = try Self.diagnostics(try Self.reference(generalization: "{received_at: day, address: street, beat: 1}"))
        #expect(missing.problems.contains { $0.location.line == missing.line && $0.message.contains("add caller_age: <level>") }, "\(missing.problems)")
        let everything = try Self.diagnostics(try Self.reference(generalization:
            "{received_at: \"*\", address: \"*\", beat: \"*\", caller_age: \"*\", call_type: \"*\", priority: \"*\"}"))
        #expect(everything.problems.contains { $0.message.contains("removes every column") }, "\(everything.problems)")
        let plain = try Self.reference(generalization: "{received_at: day, address: street, beat: 1, caller_age: 20}")
            .replacingOccurrences(of: "    privacy: {epsilon: 0.5, delta: 1.0e-6}   # DP record-level release (SafePub-style): sampled, then k-anonymised\n", with: "")
        #expect(try Self.diagnostics(plain).problems.contains { $0.message.contains("generalization fixes the levels of a differentially private record file") })
        // The JSON Schema knows the key.
        #expect(PolicySchema.json.contains("\"generalization\""))
    }

    @Test func aFixedGeneralizationSpendsTheWholeEpsilonOnSamplingAndTheReportSaysSo() throws {
        let declaration = "    generalization: {received_at: day, address: street, beat: 1, caller_age: 20, call_type: \"*\"}\n"
        let (policy, table, _) = try MicrodataPlannerTests.demoDay("declared-release") { text in
            text.replacingOccurrences(of: "    privacy: {epsilon: 0.5, delta: 1.0e-6}   # SafePub: sampled, coarsening chosen privately, small groups removed\n",
                                      with: "    privacy: {epsilon: 0.5, delta: 1.0e-6}\n" + declaration)
        }
        let output = try #require(policy.outputs.first { $0.id == "calls" })
        guard case let .microdata(spec) = output.kind, let privacy = spec.privacy else { throw PublisherError.usage("expected DP microdata") }
        #expect(spec.generalization != nil, "the variant declares its generalisation")
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: zone))
        // Levels handed over as "kept" are ignored: the policy's own levels win.
        let (records, _) = try DPMicrodataRelease.prepare(output, of: policy, table: table, window: window, random: try SystemRandom(),
                                                          kept: (levels: Dictionary(uniqueKeysWithValues: spec.columns.map { ($0, 0) }),
                                                                 release: "2026-11-21", noisyPeople: 10))
        #expect(records.levels == ["received_at": 2, "address": 3, "beat": 1, "caller_age": 3, "call_type": 1, "priority": 0])
        #expect(records.fixedByPolicy == true && records.keptFrom == nil)
        #expect(records.epsilonSearch == 0 && records.epsilonCount == nil && records.noisyPeople == nil)
        #expect(records.epsilonSampling == privacy.epsilon)
        #expect(records.beta == DPMicrodataRelease.parameters(privacy, choosing: false).beta)
        #expect(records.k == DPMicrodataRelease.parameters(privacy, choosing: false).safe.k)
        // The report: the JSON says so, the HTML says so.
        let item = PrivacyReport.Microdata(private: output, records: records)
        let report = PrivacyReport(policy: policy, release: "2026-11-22",
                                   window: .init(label: "2026-11-22", start: window.start, end: window.end), microdata: [item],
                                   aggregates: [], retention: nil)
        let document = try JSONDecoder().decode(PrivacyReport.Document.self, from: try report.json())
        let dp = try #require(document.microdata.first?.differentialPrivacy)
        #expect(dp.fixedByPolicy == true && dp.epsilonSearch == 0 && dp.epsilonCount == nil && dp.epsilonSampling == privacy.epsilon)
        #expect(dp.mechanism.contains("fixed by the policy"))
        let html = report.html()
        #expect(html.contains("the coarsening was fixed by the policy") && html.contains("Levels fixed by the policy"))
    }

    @Test func searchCandidatesDependOnPublicFactsAndTheNoisyCountOnly() throws {
        let (policy, table, _) = try MicrodataPlannerTests.demoDay("declared-candidates")
        let output = try #require(policy.outputs.first { $0.id == "calls" })
        guard case let .microdata(spec) = output.kind, let privacy = spec.privacy else { throw PublisherError.usage("expected DP microdata") }
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: zone))
        let recipes = try MicrodataPlanner.roles(spec, of: policy, zone: zone).map { _, role -> HierarchyRecipe in
            if case let .quasiIdentifier(recipe) = role { return recipe }
            return .valueOrSuppressed
        }
        let lowest = recipes.map { recipe -> Int in
            switch recipe {
            case .time, .streetBlock: 1
            default: 0
            }
        }
        // The signature takes no data: the candidates are a function of the policy's shape, the
        // window and Ŝ/k. Here: a one-day window shows received_at by hour or by day only (week,
        // month and `*` show nothing more), no candidate shows nothing, and every candidate's
        // estimated fan-out fits the classes.
        for classes in [1.0, 9.0, 90.0] {
            let nodes = RecordSearchCandidates.nodes(recipes: recipes, lowest: lowest, start: window.start, end: window.end, classes: classes)
            #expect(!nodes.isEmpty)
            #expect(nodes.allSatisfy { [1, 2].contains($0[0]) }, "classes \(classes)")
            let fans = recipes.map { RecordSearchCandidates.fanOut($0, start: window.start, end: window.end) }
            #expect(nodes.allSatisfy { node in node.indices.contains { fans[$0][node[$0]] > 1 } }, "every candidate shows something")
            #expect(fans[0] == [fans[0][0], 24, 1, 1, 1, 1], "hours of one day, then constant levels")
            #expect(fans[2] == [21, 7, 1], "beats and districts of the hierarchy file")
            #expect(fans[3] == [fans[3][0], 17, 9, 5, 1], "bands of 5, 10, 20 below 80, and 80+")
            let smallest = nodes.map { node in node.indices.reduce(1.0) { $0 * fans[$1][node[$1]] } }.min() ?? 0
            #expect(nodes.allSatisfy { node in node.indices.reduce(1.0) { $0 * fans[$1][node[$1]] } <= max(classes, smallest) })
            if classes == 90 { #expect(nodes.contains([1, 4, 2, 4, 1, 1]), "hour alone fits 90 classes") }
            if classes == 9 { #expect(!nodes.contains([1, 4, 2, 4, 1, 1]), "hour alone needs 24 classes") }
        }
        // Neighbouring datasets (one person more or less) see the same candidates whenever they draw the
        // same n̂: ``RecordSearchCandidates/nodes`` takes no data, so nothing else can differ. The shares
        // add up to ε, and the exact fractions the mechanisms use stay within it.
        _ = table
        let choosing = DPMicrodataRelease.parameters(privacy, choosing: true)
        #expect(choosing.count + choosing.search + choosing.sampling == privacy.epsilon)
        #expect(Fraction.below(choosing.count).doubleValue + Fraction.below(choosing.search).doubleValue
            + choosing.exponent.doubleValue <= privacy.epsilon)
        let kept = DPMicrodataRelease.parameters(privacy, choosing: false)
        #expect(kept.sampling == privacy.epsilon && kept.search == 0 && kept.count == 0)
    }
}
