import Demo
import Foundation
import OperationalStore
import PrivacyPolicy
import Publisher
import Testing
import TestSupport

/// `policy check --store` finds, against the data, what would otherwise publish
/// the wrong records or fail at release time.
@Suite struct StoreDataCheckTests {
    func prepared() throws -> (folder: String, store: OperationalStore) {
        let folder = TestSupport.temporaryFolder("data-check")
        let end = try #require(ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z"))
        let prepared = try Demo.prepare(Demo.Options(workdir: folder, city: DemoCityOptions(records: 3000, days: 2, seed: 4, end: end),
                                                     policiesFolder: nil)) { _ in }
        return (folder, try OperationalStore(path: prepared.storePath))
    }

    /// Writes `policy` (a demo policy with `edit` applied) beside the demo's and checks it against the store.
    func check(_ folder: String, _ store: OperationalStore, _ name: String, edit: (String) -> String) throws -> [PolicyDiagnostic] {
        let original = try String(contentsOfFile: folder + "/Policies/\(name).yaml", encoding: .utf8)
        let edited = edit(original)
        #expect(edited != original, "the edit changed nothing")
        let path = folder + "/Policies/edited-\(name).yaml"
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        return try PolicyCheck.check(path: path, store: store, thorough: true).diagnostics
    }

    @Test func theBuiltInPoliciesPass() throws {
        let (folder, store) = try prepared()
        for name in ["calls-for-service", "complaints", "engagement-logs"] {
            #expect(try PolicyCheck.check(path: folder + "/Policies/\(name).yaml", store: store, thorough: true).diagnostics.isEmpty)
        }
    }

    /// An exclusion value not seen yet never blocks a night (it may be a category still to come),
    /// but a near miss is named in a warning, at its place in the file.
    @Test func aMistypedExclusionIsWarnedNamingTheValueThatOccurs() throws {
        let (folder, store) = try prepared()
        let blocking = try check(folder, store, "calls-for-service") {
            $0.replacingOccurrences(of: "[DOMESTIC VIOLENCE, SEXUAL ASSAULT", with: "[DOMESTIC  VIOLENCE, SEXUAL ASSAULT")
        }
        #expect(blocking.isEmpty, "\(blocking)")
        let diagnostics = try StoreDataCheck.exclusionWarnings(for: try PolicyLoader.load(path: folder + "/Policies/edited-calls-for-service.yaml"),
                                                               store: store)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.message.contains("'DOMESTIC  VIOLENCE'") && diagnostic.message.contains("'DOMESTIC VIOLENCE' does"), "\(diagnostic)")
        let text = try String(contentsOfFile: folder + "/Policies/edited-calls-for-service.yaml", encoding: .utf8)
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("DOMESTIC  VIOLENCE") })
        #expect(diagnostic.location.line == line + 1 && diagnostic.location.column == 15, "\(diagnostic)")
        // A value that resembles nothing may be written before its category occurs.
        let proactive = try check(folder, store, "calls-for-service") {
            $0.replacingOccurrences(of: "CHILD ABUSE]", with: "CHILD ABUSE, HUMAN TRAFFICKING]")
        }
        #expect(proactive.isEmpty, "\(proactive)")
    }

    @Test func clocksThatAreNotTimestampsAreRefused() throws {
        let (folder, store) = try prepared()
        let window = try check(folder, store, "calls-for-service") { $0.replacingOccurrences(of: "window_by: received_at", with: "window_by: district") }
        #expect(window.contains { $0.message.contains("source.window_by column district holds") && $0.message.contains("not a timestamp") }, "\(window)")
        let retention = try check(folder, store, "calls-for-service") { $0.replacingOccurrences(of: "measured_from: closed_at", with: "measured_from: priority") }
        #expect(retention.contains { $0.message.contains("retention.measured_from column priority holds") }, "\(retention)")
    }

    @Test func buildersThatCannotApplyAndHierarchiesThatDoNotCoverAreRefused() throws {
        let (folder, store) = try prepared()
        // bands on a text column.
        let bands = try check(folder, store, "complaints") {
            $0.replacingOccurrences(of: "  district:\n    generalize: {file: hierarchies/districts.csv}",
                                    with: "  district:\n    generalize: {bands: [5, 10]}")
        }
        #expect(bands.contains { $0.message.contains("column district holds") && $0.message.contains("not a number") }, "\(bands)")
        // A hierarchy file saved by a spreadsheet (BOM, CRLF) is read; one missing a value is refused, naming it.
        let lines = try String(contentsOfFile: folder + "/Policies/hierarchies/districts.csv", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let spreadsheet = "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
        try spreadsheet.write(toFile: folder + "/Policies/hierarchies/districts-crlf.csv", atomically: true, encoding: .utf8)
        let crlf = try check(folder, store, "complaints") { $0.replacingOccurrences(of: "hierarchies/districts.csv", with: "hierarchies/districts-crlf.csv") }
        #expect(crlf.isEmpty, "\(crlf)")
        let missing = lines.dropFirst().joined(separator: "\n") + "\n"
        try missing.write(toFile: folder + "/Policies/hierarchies/districts-short.csv", atomically: true, encoding: .utf8)
        let short = try check(folder, store, "complaints") { $0.replacingOccurrences(of: "hierarchies/districts.csv", with: "hierarchies/districts-short.csv") }
        let first = try #require(lines.first?.split(separator: ";").first.map(String.init))
        #expect(short.contains { $0.message.contains("no row for 1 value") && $0.message.contains("'\(first)'") }, "\(short)")
    }
}
