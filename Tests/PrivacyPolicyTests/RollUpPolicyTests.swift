import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

/// `keys: {call_type: {private: true, roll_up: FILE}}`: parsing, the hierarchy file's problems at
/// their own line, the output rules a roll-up needs, and an unchanged ledger charge.
@Suite struct RollUpPolicyTests {
    /// A policy whose line 20 holds the keys of its one aggregate output (`KEYS` replaced), and
    /// whose statistics are on line 21 (`STATISTICS`).
    static func policy(keys: String, statistics: String = "[count]") -> String {
        """
        policy: 1
        dataset:
          id: calls
          title: Calls
          description: d
          publisher: p
          contact: c
          license: CC-BY-4.0
        source: {table: calls, window_by: received_at, timezone: America/Chicago}
        columns:
          caller_id: privacy_unit
          received_at:
            generalize: {time: [hour, day]}
          call_type: sensitive
          seconds: keep
        outputs:
          - id: by-type
            kind: aggregate
            group_by: [call_type, {received_at: day}]
            keys: \(keys)
            statistics: \(statistics)
            contribution: {groups_per_unit: 1, rows_per_unit_per_group: 1}
            privacy: {epsilon: 0.5, delta: 1.0e-7}
        budget:
          per_release_epsilon: 0.5

        """
    }

    static let categories = """
        # A test grouping: value;category
        THEFT;Property
        BURGLARY;Property
        ACCIDENT;Traffic

        """

    func load(_ text: String, files: [String: String] = ["categories.csv": categories]) -> (Policy?, [PolicyDiagnostic], String) {
        let folder = TestSupport.temporaryFolder("rollup-policy")
        for (name, contents) in files { TestSupport.write(contents, to: folder + "/" + name) }
        let path = folder + "/policy.yaml"
        TestSupport.write(text, to: path)
        do {
            return (try PolicyLoader.load(path: path), [], folder)
        } catch {
            return (nil, error.diagnostics, folder)
        }
    }

    func rollUp(_ policy: Policy?) -> RollUpSpec? {
        guard case let .aggregate(spec)? = policy?.outputs.first?.kind else { return nil }
        return spec.rollUp
    }

    @Test func theShortFormReadsTheFileAndAddsTheCatchAll() throws {
        let (policy, problems, _) = load(Self.policy(keys: "{call_type: {private: true, roll_up: categories.csv}}"))
        #expect(problems.isEmpty, "\(problems)")
        let spec = try #require(rollUp(policy))
        #expect(spec.column == "call_type")
        #expect(spec.categories == ["Property", "Traffic", RollUpSpec.defaultUnlisted])
        #expect(spec.category(of: "BURGLARY") == "Property")
        #expect(spec.category(of: "ACCIDENT") == "Traffic")
        #expect(spec.category(of: "NEW TYPE") == RollUpSpec.defaultUnlisted, "a value the file does not list is counted, not dropped")
        #expect(spec.share == RollUpSpec.defaultShare)
        guard case let .aggregate(aggregate)? = policy?.outputs.first?.kind else { return }
        #expect(aggregate.keys["call_type"] == .private, "the key stays private: {private: true} means what private means")
    }

    /// An ARX hierarchy file (rows ending at *) serves as is: its second column is the category.
    @Test func anARXHierarchyFileServes() throws {
        let (policy, problems, _) = load(Self.policy(keys: "{call_type: {private: true, roll_up: arx.csv}}"),
                                         files: ["arx.csv": "THEFT;Property;*\r\nACCIDENT;Traffic;*\r\n"])
        #expect(problems.isEmpty, "\(problems)")
        #expect(rollUp(policy)?.categoryOf == ["THEFT": "Property", "ACCIDENT": "Traffic"])
    }

    @Test func theLongFormSetsShareAndCatchAll() throws {
        let (policy, problems, _) = load(Self.policy(keys: "{call_type: {private: true, roll_up: {file: categories.csv, share: 40%, unlisted: Traffic}}}"))
        #expect(problems.isEmpty, "\(problems)")
        let spec = try #require(rollUp(policy))
        #expect(spec.share == 0.4)
        #expect(spec.categories == ["Property", "Traffic"], "a catch-all the file already names is not listed twice")
        #expect(spec.category(of: "NEW TYPE") == "Traffic")
        #expect(!spec.membersArePublic, "the report names listed values only when the policy says the file is public")
    }

    /// `members: public` declares the file a published code list; anything else is refused.
    @Test func membersArePublicOnlyWhenSaid() throws {
        let (policy, problems, _) = load(Self.policy(keys: "{call_type: {private: true, roll_up: {file: categories.csv, members: public}}}"))
        #expect(problems.isEmpty, "\(problems)")
        #expect(try #require(rollUp(policy)).membersArePublic)
        let (refused, errors, _) = load(Self.policy(keys: "{call_type: {private: true, roll_up: {file: categories.csv, members: yes}}}"))
        #expect(refused == nil)
        #expect(errors.contains { $0.location.line == 20 && $0.message.contains("members must be public") }, "\(errors)")
    }

    /// The ledger charges the output's stated ε whether or not it rolls up: the stages share it.
    @Test func theChargeIsUnchanged() throws {
        let (plain, _, _) = load(Self.policy(keys: "{call_type: private}"))
        let (rolled, problems, _) = load(Self.policy(keys: "{call_type: {private: true, roll_up: categories.csv}}"))
        #expect(problems.isEmpty, "\(problems)")
        let a = try #require(plain), b = try #require(rolled)
        #expect(a.releaseCost.converted.epsilon == b.releaseCost.converted.epsilon)
        #expect(a.releaseCost.converted.delta == b.releaseCost.converted.delta)
        #expect(b.outputs.map(\.epsilon) == [0.5])
    }

    /// A problem inside the hierarchy file is reported at the file's own line, naming the policy's key.
    @Test func fileProblemsAreAtTheirLine() {
        let bad = "# header\nTHEFT;Property\nTHEFT;Traffic\nBURGLARY\nROBBERY;\n"
        let (_, problems, folder) = load(Self.policy(keys: "{call_type: {private: true, roll_up: categories.csv}}"),
                                         files: ["categories.csv": bad])
        let text = problems.map(\.description).joined(separator: "\n")
        let file = folder + "/categories.csv"
        func at(_ line: Int) -> [String] { problems.filter { $0.location.file == file && $0.location.line == line }.map(\.message) }
        #expect(at(3).contains { $0.contains("repeats the value 'THEFT'") }, "\(text)")
        #expect(at(4).contains { $0.contains("has no category") }, "\(text)")
        #expect(at(5).contains { $0.contains("empty category") }, "\(text)")
        #expect(problems.allSatisfy { $0.message.contains("keys.call_type.roll_up 'categories.csv'") }, "\(text)")
    }

    @Test func aMissingFileIsReportedAtThePolicysLine() {
        let (_, problems, _) = load(Self.policy(keys: "{call_type: {private: true, roll_up: nowhere.csv}}"))
        #expect(problems.contains { $0.location.line == 20 && $0.message.contains("nowhere.csv") && $0.message.contains("file not found") },
                "\(problems)")
    }

    @Test(arguments: [
        ("{call_type: {private: false, roll_up: categories.csv}}", "private must be true"),
        ("{call_type: {roll_up: categories.csv}}", "missing required key 'private'"),
        ("{call_type: {private: true, rollup: categories.csv}}", "did you mean 'roll_up'"),
        ("{call_type: {private: true, roll_up: {file: categories.csv, share: 90%}}}", "at most 60%"),
        ("{call_type: {private: true, roll_up: {file: categories.csv, shares: 10%}}}", "unknown key 'shares'"),
    ])
    func malformedKeysAreErrorsAtTheirLine(_ keys: String, _ message: String) {
        let (policy, problems, _) = load(Self.policy(keys: keys))
        #expect(policy == nil)
        #expect(problems.contains { $0.location.line == 20 && $0.message.contains(message) }, "\(problems)")
    }

    /// A category row carries a count only; the other keys must be public.
    @Test func theOutputMustCountWithPublicOtherKeys() {
        let withMean = load(Self.policy(keys: "{call_type: {private: true, roll_up: categories.csv}}",
                                        statistics: "[count, {mean: seconds, bounds: [0, 100]}]")).1
        #expect(withMean.contains { $0.location.line == 20 && $0.message.contains("only statistic must be count")
                && $0.message.contains("mean_seconds") }, "\(withMean)")
    }

    @Test func theSchemaAcceptsTheForm() throws {
        let schema = PolicySchema.json
        #expect(schema.contains("\"roll_up\""))
        #expect(try JSONSerialization.jsonObject(with: Data(schema.utf8)) is [String: Any])
    }

    /// The ledger's charge for a ρ output that selects its keys is (ρ converted at δ/2) + δ/2: in all
    /// the (ε, δ) the policy states, and the ε `policy explain` states with it (an adversarial review
    /// found the selection and the conversion each using the whole δ, charged once).
    @Test func aRhoOutputWithPrivateKeysIsChargedItsStatedDelta() throws {
        let text = Self.policy(keys: "{call_type: private}")
            .replacingOccurrences(of: "privacy: {epsilon: 0.5, delta: 1.0e-7}", with: "privacy: {rho: 0.2, delta: 1.0e-6}")
            .replacingOccurrences(of: "per_release_epsilon: 0.5", with: "per_release_epsilon: 4")
        #expect(text.contains("rho: 0.2"))
        let (policy, problems, _) = load(text)
        #expect(problems.isEmpty, "\(problems)")
        let output = try #require(policy?.outputs.first)
        let cost = PrivacyCost(output: output)
        #expect(cost.rho == 0.2 && cost.delta == 0.5e-6 && cost.rhoDelta == 0.5e-6)
        #expect(abs(cost.converted.delta - 1e-6) < 1e-18)
        #expect(abs(cost.converted.epsilon - output.epsilon) < 1e-12, "what is charged is what is stated")
        #expect(abs(output.epsilon - (0.2 + 2 * (0.2 * log(2 / 1e-6)).squareRoot())) < 1e-12)
    }
}

