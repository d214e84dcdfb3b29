import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

/// Parameters a release could not honour are refused by `policy check`, not by a crash at release time.
@Suite struct PolicyLimitsTests {
    static func parse(_ edit: (String) -> String) throws -> [PolicyDiagnostic] {
        let base = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"), encoding: .utf8)
        let edited = edit(base)
        #expect(edited != base, "the edit applies")
        do {
            _ = try PolicyLoader.parse(bytes: Data(edited.utf8), path: "/tmp/limits.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func epsilonOutsideTheSupportedRangeIsRefused() throws {
        for tiny in ["1.0e-9", "0.0005", "25"] {
            let problems = try Self.parse { $0.replacingOccurrences(of: "privacy: {epsilon: 0.5}", with: "privacy: {epsilon: \(tiny)}") }
            #expect(problems.contains { $0.description.contains("privacy.epsilon must be between 0.001 and 20") }, "\(tiny): \(problems)")
        }
        #expect(try Self.parse { $0.replacingOccurrences(of: "privacy: {epsilon: 0.5}", with: "privacy: {epsilon: 0.001}") }.isEmpty)
    }

    @Test func reservedDatasetIdsAreRefused() throws {
        for reserved in ["log", "catalog"] {
            let problems = try Self.parse { $0.replacingOccurrences(of: "id: community-engagement", with: "id: \(reserved)") }
            #expect(problems.contains { $0.description.contains("dataset.id '\(reserved)' is reserved") }, "\(problems)")
        }
    }
}
