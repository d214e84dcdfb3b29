import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

/// Privacy officers get every problem at once, each with its line and column.
@Suite struct PolicyDiagnosticsTests {
    /// A policy with one mistake per line of interest; line numbers are asserted below.
    static let broken = """
        policy: 1
        dataset:
          id: calls
          tittle: Calls
          description: d
          publisher: p
          contact: c
          license: CC-BY-4.0
        source:
          table: calls
          window_by: received_at
          timezone: America/Chicgo
        columns:
          caller_name: dorp
          received_at:
            generalize: {time: [day, month]}
          beat:
            generalize: {file: hierarchies/missing.csv}
          district:
            generalize: {file: hierarchies/bad.csv}
          call_type: sensitive
        outputs:
          - id: calls
            kind: microdata
            columns: [received_at, caller_name, call_type]
            k: ten
          - id: counts
            kind: aggregate
            group_by: [district]
            keys: {district: ["1", "2"]}
            statistics: [count]
            privacy: {epsilon: 1.5}
          - id: more-counts
            kind: aggregate
            group_by: [call_type]
            keys: {call_type: private}
            statistics: [count]
            privacy: {epsilon: 1.0, delta: 1.0e-7}
        budget:
          per_release_epsilon: 2.0

        """

    func diagnostics(_ text: String, files: [String: String] = [:]) -> [PolicyDiagnostic] {
        let folder = TestSupport.temporaryFolder("policy")
        for (name, contents) in files { TestSupport.write(contents, to: folder + "/" + name) }
        let path = folder + "/policy.yaml"
        TestSupport.write(text, to: path)
        do {
            _ = try PolicyLoader.load(path: path)
            return []
        } catch {
            return error.diagnostics
        }
    }

    func line(_ number: Int, in diagnostics: [PolicyDiagnostic]) -> [String] {
        diagnostics.filter { $0.location.line == number }.map(\.message)
    }

    @Test func everyProblemIsReportedWithItsPosition() {
        let found = diagnostics(Self.broken, files: ["hierarchies/bad.csv": "1;North;*\n2;North\n"])
        let text = found.map(\.description).joined(separator: "\n")
        // Unknown key with a suggestion, and the missing key it stands for.
        #expect(line(4, in: found).contains { $0.contains("unknown key 'tittle'") && $0.contains("did you mean 'title'") }, "\(text)")
        #expect(found.contains { $0.message.contains("missing required key 'title'") }, "\(text)")
        // Invalid time zone.
        #expect(line(12, in: found).contains { $0.contains("America/Chicgo") }, "\(text)")
        // Unknown treatment with a suggestion.
        #expect(line(14, in: found).contains { $0.contains("unknown treatment 'dorp'") && $0.contains("did you mean 'drop'") }, "\(text)")
        // Hierarchy file missing, and malformed.
        #expect(line(18, in: found).contains { $0.contains("missing.csv") && $0.contains("not found") }, "\(text)")
        #expect(line(20, in: found).contains { $0.contains("bad.csv") && $0.contains("line 2") }, "\(text)")
        // Wrong type.
        #expect(line(26, in: found).contains { $0.contains("k must be a whole number") }, "\(text)")
        // Budget smaller than the outputs' sum.
        #expect(found.contains { $0.message.contains("smaller than the outputs' sum 2.5") && $0.location.line == 40 }, "\(text)")
        // Columns are checked by position, in file order.
        #expect(found.map(\.location.line) == found.map(\.location.line).sorted())
        #expect(found.allSatisfy { $0.description.hasPrefix($0.location.file + ":") })
    }

    @Test func anOutputNamingAnUnpublishedColumnIsAnError() {
        let text = Self.broken.replacingOccurrences(of: "dorp", with: "drop")
            .replacingOccurrences(of: "k: ten", with: "k: 10")
        let found = diagnostics(text, files: ["hierarchies/bad.csv": "1;North;*\n", "hierarchies/missing.csv": "1A;1;*\n"])
        let message = line(25, in: found)
        #expect(message.contains { $0.contains("caller_name") && $0.contains("not published") }, "\(found)")
        let column = found.first { $0.location.line == 25 }?.location.column
        #expect(column == 28, "points at caller_name in the columns list")
    }

    @Test func yamlSyntaxErrorsCarryTheirPosition() {
        let found = diagnostics("policy: 1\ndataset:\n  id: [unclosed\n")
        #expect(found.count == 1)
        #expect(found.first?.location.line ?? 0 >= 3)
        #expect(found.first?.message.hasPrefix("YAML syntax error") == true)
    }

    @Test func missingSectionsAreNamed() {
        let found = diagnostics("policy: 1\n")
        for key in ["dataset", "source", "columns", "outputs", "budget"] {
            #expect(found.contains { $0.message == "the policy: missing required key '\(key)'" && $0.location.line == 1 })
        }
    }

    @Test func crossReferencesMustNameListedColumns() throws {
        var text = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "  measured_from: occurred_at", with: "  measured_from: occured_at")
        text = text.replacingOccurrences(of: "group_by: [district, channel]", with: "group_by: [district, chanel]")
        let found = diagnostics(text)
        #expect(found.contains { $0.message.contains("'occured_at' is not listed") && $0.message.contains("did you mean 'occurred_at'") })
        #expect(found.contains { $0.message.contains("'chanel'") })
    }

    @Test func deniedByDefaultAgainstTheRealTable() throws {
        let policy = try PolicyLoader.load(path: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"))
        let tableColumns = ["interaction_id", "resident_name", "resident_email", "feedback_text", "occurred_at",
                            "channel", "district", "satisfaction"]
        #expect(StoreSchemaCheck.diagnostics(for: policy, tableColumns: tableColumns).isEmpty)
        let drifted = StoreSchemaCheck.diagnostics(for: policy, tableColumns: tableColumns.filter { $0 != "channel" } + ["officer_notes"])
        #expect(drifted.contains { $0.message.contains("column 'officer_notes'") && $0.message.contains("not in the policy") })
        #expect(drifted.contains { $0.message.contains("column 'channel' is not in table") })
        #expect(StoreSchemaCheck.diagnostics(for: policy, tableColumns: nil).first?.message.contains("does not exist") == true)
    }

    @Test func suggestionsUseEditDistance() {
        #expect(Suggestion.distance("kitten", "sitting") == 3)
        #expect(Suggestion.didYouMean("pseudonymise", among: PolicyParser.treatmentWords) == "; did you mean 'pseudonymize'?")
        #expect(Suggestion.didYouMean("zzzzzzzzzzzz", among: ["a", "b"]) == "; expected one of: a, b")
    }
}
