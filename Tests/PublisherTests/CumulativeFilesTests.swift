import Demo
import Foundation
import OperationalStore
import PrivacyPolicy
import Testing
import TestSupport
@testable import Publisher

/// The stable downloads portals harvest: every release so far in one file per output, the latest
/// release at a fixed URL, rebuilt only from signed releases.
@Suite(.serialized) struct CumulativeFilesTests {
    static let end = ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z") ?? Date()

    static func lines(_ path: String) throws -> [String] {
        let (status, text) = try OutsideTool.run("gzip", ["-dc", path])
        #expect(status == 0, "\(path): \(text)")
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    static func release(_ prepared: Demo.Prepared, day: String, newSequence: Bool = false) throws -> [ReleaseRun.Outcome] {
        var options = ReleaseRun.Options(store: prepared.storePath, key: prepared.key, policies: prepared.policies, window: .day(day),
                                         out: prepared.releases, newSequence: newSequence, pseudonymKey: prepared.pseudonymKey,
                                         now: end.addingTimeInterval(12 * 3600))
        // The demo store holds five years of history: the first run deletes more than a night's share.
        options.confirmMassDeletion = true
        return try ReleaseRun.run(options) { _ in }
    }

    @Test(OutsideTool.needed("gzip")) func everyReleaseIsInTheCumulativeFileAndTheLatestIsACopy() throws {
        guard OutsideTool.available("gzip") else { return }
        let workdir = TestSupport.temporaryFolder("cumulative")
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 3000, days: 3, seed: 8, end: Self.end),
                                                     policiesFolder: nil)) { _ in }
        for day in ["2026-11-20", "2026-11-21", "2026-11-22"] {
            let outcomes = try Self.release(prepared, day: day)
            #expect(outcomes.allSatisfy { $0.status == .published }, "\(outcomes.map { "\($0.dataset) \($0.status) \($0.refusal ?? "")" })")
        }
        // Re-issuing a window replaces its earlier release in the cumulative file.
        #expect(try Self.release(prepared, day: "2026-11-21", newSequence: true).allSatisfy { $0.status == .published })
        let state = try StateStore(path: prepared.statePath)
        var checked = 0
        for path in prepared.policies {
            let policy = try PolicyLoader.load(path: path)
            let id = policy.dataset.id
            let releases = try state.releases(dataset: id).map(\.release)
            #expect(releases == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-21-s2"])
            let included = ["2026-11-20", "2026-11-21-s2", "2026-11-22"]
            for output in policy.outputs {
                let all = try Self.lines(prepared.releases + "/catalog/\(id)/\(output.id).all.csv.gz")
                var expected: [String] = []
                for release in included {
                    let file = try Self.lines(prepared.releases + "/\(id)/\(release)/\(output.id).csv.gz")
                    if expected.isEmpty, let header = file.first { expected.append("release," + header) }
                    expected += file.dropFirst().map { "\(release),\($0)" }
                }
                #expect(all == expected, "\(id)/\(output.id)")
                // The latest copy is the newest window's file, byte for byte (its manifest hash holds): a
                // re-issue of an older window, published last, does not become the latest.
                let latest = FileManager.default.contents(atPath: prepared.releases + "/catalog/\(id)/\(output.id).latest.csv.gz")
                #expect(latest != nil && latest == FileManager.default.contents(atPath: prepared.releases + "/\(id)/2026-11-22/\(output.id).csv.gz"))
                checked += 1
            }
            // Dataset folders hold only releases and `latest` (DESIGN.md's layout).
            let entries = try FileManager.default.contentsOfDirectory(atPath: prepared.releases + "/\(id)").sorted()
            #expect(entries == (releases + ["latest"]).sorted())
        }
        #expect(checked >= 11)
        // frictionless accepts each cumulative file against its own schema.
        if OutsideTool.available("frictionless") {
            let catalog = prepared.releases + "/catalog/calls-for-service"
            for output in ["calls", "calls-by-district-day", "response-target-by-district"] {
                let result = try OutsideTool.run("frictionless", ["validate", "\(output).all.csv.gz", "--schema", "\(output).all.schema.json"], in: catalog)
                #expect(result.status == 0, "\(output): \(result.output)")
            }
        }
    }

    @Test(OutsideTool.needed("gzip")) func aFileAlteredInThePublishedFolderStopsTheRebuild() throws {
        guard OutsideTool.available("gzip") else { return }
        let workdir = TestSupport.temporaryFolder("cumulative-tamper")
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 2000, days: 2, seed: 9, end: Self.end),
                                                     policiesFolder: nil)) { _ in }
        _ = try Self.release(prepared, day: "2026-11-21")
        let cumulative = prepared.releases + "/catalog/complaints/complaints-by-allegation.all.csv.gz"
        let before = FileManager.default.contents(atPath: cumulative)
        // Someone edits a published count in place.
        let target = prepared.releases + "/complaints/2026-11-21/complaints-by-allegation.csv.gz"
        var text = try Self.lines(target)
        text[1] = text[1].replacingOccurrences(of: ",", with: ",9", options: [], range: text[1].range(of: ",", options: .backwards))
        let edited = workdir + "/edited.csv"
        try (text.joined(separator: "\n") + "\n").write(toFile: edited, atomically: true, encoding: .utf8)
        _ = try OutsideTool.run("gzip", ["-n", "-f", edited])
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: edited + ".gz", toPath: target)
        #expect {
            _ = try Self.release(prepared, day: "2026-11-22")
        } throws: { error in
            "\(error)".contains("differs from its signed manifest")
        }
        #expect(FileManager.default.contents(atPath: cumulative) == before, "nothing was rebuilt from the altered file")
    }
}
