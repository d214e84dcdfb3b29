import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

@Suite struct ExplainAndSchemaTests {
    @Test func explanationsSayWhatHappensToEachColumnAndOutput() throws {
        let policy = try PolicyLoader.load(path: TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml"))
        let text = PolicyExplainer.explain(policy).joined(separator: "\n")
        #expect(text.contains("Never read from the source and never published: call_id, caller_name, caller_phone, narrative, legal_hold, closed_at, and arrived_at."))
        #expect(text.contains("DOMESTIC VIOLENCE, SEXUAL ASSAULT, or CHILD ABUSE are withheld"))
        #expect(text.contains("caller_id identifies the person"))
        #expect(text.contains("matches at least 9 other people on received_at, address, beat, caller_age, and priority"))
        #expect(text.contains("This does not hide whether someone is in the file"))
        #expect(text.contains("ε = 0.5, δ = 1e-07"))
        #expect(text.contains("Only groups common enough"))
        #expect(text.contains("Every listed group is published, zeros included"))
        #expect(text.contains("7 years after their closed_at, unless legal_hold is set"))
        #expect(text.contains("What this does not cover"))
    }

    @Test(OutsideTool.needed("python3")) func referencePoliciesValidateAgainstTheSchema() throws {
        guard OutsideTool.available("python3") else { return }
        let folder = TestSupport.temporaryFolder("schema")
        try PolicySchema.json.write(toFile: folder + "/schema.json", atomically: true, encoding: .utf8)
        let policies = [TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml"),
                        TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"),
                        TestSupport.sharedPath("fixtures/policies/calls-for-service-dp.yaml")]
            + ["calls-for-service", "complaints", "engagement-logs"].map { TestSupport.repositoryPath("Policies/\($0).yaml") }
        let broken = folder + "/broken.yaml"
        try String(contentsOfFile: policies[1], encoding: .utf8).replacingOccurrences(of: "  license:", with: "  licence:")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            for path in sys.argv[2:]:
                errors = list(validator.iter_errors(yaml.safe_load(open(path))))
                print(('VALID ' if not errors else 'INVALID ') + path)
            """
        let result = try OutsideTool.run("python3", ["-c", script, folder + "/schema.json"] + policies + [broken])
        if result.output.contains("No module named") {
            #expect(!TestSupport.isCI, "python3 needs jsonschema and PyYAML under CI: \(result.output)")
            return
        }
        // Whole lines: "INVALID x" also contains "VALID x".
        let lines = Set(result.output.split(separator: "\n").map(String.init))
        for path in policies { #expect(lines.contains("VALID \(path)"), "\(result.output)") }
        #expect(lines.contains("INVALID \(broken)"))
    }
}
