import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

/// The release-level guarantee (DESIGN.md): plain k-anonymous records beside DP
/// tables are refused, the DP reference policy passes, `guarantee: k_anonymity`
/// is stated as such and never called differentially private.
@Suite struct GuaranteeCheckTests {
    static func fixture(_ name: String) throws -> Policy {
        try PolicyLoader.load(path: TestSupport.sharedPath("fixtures/policies/\(name)"))
    }

    @Test func plainRecordsBesideDPTablesAreRefusedNamingBothOutputs() throws {
        let path = TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml")
        let policy = try Self.fixture("calls-for-service.yaml")  // it parses …
        let problems = GuaranteeCheck.diagnostics(for: policy)    // … and the check refuses it
        #expect(problems.count == 1)
        let problem = try #require(problems.first)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("- id: calls") && !$0.contains("calls-") }) + 1
        #expect(problem.location.file == path)
        #expect(problem.location.line == line)
        for name in ["'calls'", "'calls-by-district-day'", "'calls-by-type'", "guarantee: k_anonymity", "privacy:"] {
            #expect(problem.description.contains(name), "\(problem.description)")
        }
        #expect(problem.description.hasPrefix("\(path):\(line):"))
    }

    @Test func theDPReferencePolicyPassesAndIsDPEndToEnd() throws {
        let policy = try Self.fixture("calls-for-service-dp.yaml")
        #expect(GuaranteeCheck.diagnostics(for: policy).isEmpty)
        guard case let .microdata(spec) = policy.outputs[0].kind else {
            Issue.record("the first output is the record file")
            return
        }
        #expect(spec.privacy == MicrodataPrivacy(epsilon: 0.5, delta: 1.0e-6))
        #expect(policy.outputs.allSatisfy { $0.isDifferentiallyPrivate })
        #expect(abs(policy.outputs.reduce(0) { $0 + $1.epsilon } - 2.0) < 1e-12, "the record file is charged too")
        let statement = GuaranteeCheck.statement(for: policy)
        #expect(statement.contains("at most a factor of e^2"))
        #expect(statement.contains("any one person"))
    }

    @Test func kAnonymityGuaranteeIsStatedPlainlyAndNeverCalledDP() throws {
        let text = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "  frequency: daily\n", with: "  frequency: daily\n  guarantee: k_anonymity\n")
        let folder = TestSupport.temporaryFolder("guarantee")
        try FileManager.default.createDirectory(atPath: folder + "/hierarchies", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.sharedPath("fixtures/policies/hierarchies/beats.csv"),
                                         toPath: folder + "/hierarchies/beats.csv")
        let policy = try PolicyLoader.parse(bytes: Data(text.utf8), path: folder + "/calls.yaml")
        #expect(policy.dataset.guarantee == .kAnonymity)
        #expect(GuaranteeCheck.diagnostics(for: policy).isEmpty)
        let explained = PolicyExplainer.explain(policy).joined(separator: "\n")
        #expect(explained.contains("k-anonymity only"))
        #expect(explained.contains("is not hidden"))
        #expect(explained.contains("not differentially private"))
        #expect(!explained.contains("can be detected"))
        #expect(!explained.contains("(differential privacy, "), "no table is called differentially private")
    }

    @Test func insensitiveColumnsNeedAReason() throws {
        let base = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/calls-for-service-dp.yaml"), encoding: .utf8)
        let folder = TestSupport.temporaryFolder("insensitive")
        try FileManager.default.createDirectory(atPath: folder + "/hierarchies", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.sharedPath("fixtures/policies/hierarchies/beats.csv"),
                                         toPath: folder + "/hierarchies/beats.csv")
        let reasoned = base.replacingOccurrences(of: "  priority: keep", with: "  priority: {insensitive: \"one of five public dispatch codes\"}")
        let policy = try PolicyLoader.parse(bytes: Data(reasoned.utf8), path: folder + "/a.yaml")
        #expect(policy.treatment(of: "priority") == .insensitive(reason: "one of five public dispatch codes"))
        let bare = base.replacingOccurrences(of: "  priority: keep", with: "  priority: insensitive")
        #expect(throws: PolicyError.self) { _ = try PolicyLoader.parse(bytes: Data(bare.utf8), path: folder + "/b.yaml") }
        do {
            _ = try PolicyLoader.parse(bytes: Data(bare.utf8), path: folder + "/b.yaml")
        } catch {
            #expect(error.description.contains("insensitive needs the reason"))
        }
    }
}
