import Demo
import Foundation
import OperationalStore
import PrivacyPolicy
import ReleaseFormat
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

    /// A past release's file edited in place: the next night appends only its own release, so the
    /// edit does not spread into the cumulative file, and `opendata rebuild` names the altered release.
    @Test(OutsideTool.needed("gzip")) func aFileAlteredInThePublishedFolderNeverSpreadsAndTheRebuildNamesIt() throws {
        guard OutsideTool.available("gzip") else { return }
        let workdir = TestSupport.temporaryFolder("cumulative-tamper")
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 2000, days: 2, seed: 9, end: Self.end),
                                                     policiesFolder: nil)) { _ in }
        _ = try Self.release(prepared, day: "2026-11-21")
        let cumulative = prepared.releases + "/catalog/complaints/complaints-by-allegation.all.csv.gz"
        let before = try Self.lines(cumulative)
        // Someone edits a published count in place.
        let target = prepared.releases + "/complaints/2026-11-21/complaints-by-allegation.csv.gz"
        var text = try Self.lines(target)
        text[1] = text[1].replacingOccurrences(of: ",", with: ",9", options: [], range: text[1].range(of: ",", options: .backwards))
        let edited = workdir + "/edited.csv"
        try (text.joined(separator: "\n") + "\n").write(toFile: edited, atomically: true, encoding: .utf8)
        _ = try OutsideTool.run("gzip", ["-n", "-f", edited])
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: edited + ".gz", toPath: target)
        #expect(try Self.release(prepared, day: "2026-11-22").allSatisfy { $0.status == .published })
        let after = try Self.lines(cumulative)
        #expect(Array(after.prefix(before.count)) == before, "the rows of 2026-11-21 are still the signed ones")
        #expect(after.count > before.count, "2026-11-22 was appended")
        let keys = try KeyFiles.loadPublicKeys(key: prepared.publicKey, keyring: nil)
        let report = try CumulativeRebuild.run(out: prepared.releases, keys: keys)
        #expect(report.problems.contains { $0.hasPrefix("complaints/2026-11-21:") }, "\(report.problems)")
    }

    /// Appending night by night writes the bytes a full rebuild from the signed releases writes,
    /// through a re-issued window (which rebuilds) and a cumulative file edited in the published
    /// folder (caught by `rebuild`, then rebuilt by the next night); each chain extends the last.
    @Test func appendedFilesAreTheirRebuildAndEachChainExtendsTheLast() throws {
        let workdir = TestSupport.temporaryFolder("cumulative-append")
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 3000, days: 4, seed: 5, end: Self.end),
                                                     policiesFolder: nil)) { _ in }
        let keys = try KeyFiles.loadPublicKeys(key: prepared.publicKey, keyring: nil)
        let catalog = prepared.releases + "/catalog/calls-for-service/"
        var previous: (bytes: Data, chain: Data, head: String)?
        for day in ["2026-11-19", "2026-11-20", "2026-11-21"] {
            #expect(try Self.release(prepared, day: day).allSatisfy { $0.status == .published })
            let report = try CumulativeRebuild.run(out: prepared.releases, keys: keys)
            #expect(report.problems.isEmpty, "\(day): \(report.problems)")
            #expect(report.identical.count >= 3 * 11, "\(day): \(report.identical.count) files")
            let bytes = try #require(FileManager.default.contents(atPath: catalog + "calls-by-type.all.csv.gz"))
            let chainFile = try #require(FileManager.default.contents(atPath: catalog + "calls-by-type.all.chain.jsonl"))
            let chain = try CumulativeChain.parse(chainFile, file: "chain")
            let last = try #require(chain.entries.last)
            #expect(last.offset + last.bytes == bytes.count && last.release == day)
            // Each entry's members are exactly its bytes of the file, and decompress to its release's rows.
            for entry in chain.entries {
                let members = bytes.subdata(in: entry.offset..<(entry.offset + entry.bytes))
                #expect(StreamingDigest.sha256Hex(members) == entry.sha256)
                let rows = entry.bytes == 0 ? [] : String(decoding: try Gzip.decompress(members, file: "member"), as: UTF8.self).split(separator: "\n")
                #expect(rows.count == entry.rows && rows.allSatisfy { $0.hasPrefix(entry.release + ",") })
            }
            if let previous {
                #expect(bytes.prefix(previous.bytes.count) == previous.bytes, "\(day): yesterday's file is a prefix of today's")
                #expect(chainFile.prefix(previous.chain.count) == previous.chain, "\(day): yesterday's chain is a prefix of today's")
                #expect(chain.entries.contains { $0.chain == previous.head }, "\(day): yesterday's last link is a link of today's chain")
            }
            previous = (bytes, chainFile, last.chain)
        }
        // A re-issue of an older window replaces it: rebuilt, and still identical to the rebuild.
        #expect(try Self.release(prepared, day: "2026-11-20", newSequence: true).allSatisfy { $0.status == .published })
        var report = try CumulativeRebuild.run(out: prepared.releases, keys: keys)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let chain = try CumulativeChain.parse(try #require(FileManager.default.contents(atPath: catalog + "calls-by-type.all.chain.jsonl")), file: "chain")
        #expect(chain.entries.map(\.release) == ["2026-11-19", "2026-11-20-s2", "2026-11-21"])
        // An edited cumulative file: rebuild names it; the next night rebuilds it from the signed releases.
        let path = catalog + "calls-by-type.all.csv.gz"
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes.append(try Gzip.compress(Data("2026-11-21,FORGED,2026-11-21,999,7,reliable\n".utf8)))
        try bytes.write(to: URL(fileURLWithPath: path))
        report = try CumulativeRebuild.run(out: prepared.releases, keys: keys)
        #expect(report.problems == ["catalog/calls-for-service/calls-by-type.all.csv.gz differs from its rebuild from the signed releases"])
        #expect(try Self.release(prepared, day: "2026-11-22").allSatisfy { $0.status == .published })
        report = try CumulativeRebuild.run(out: prepared.releases, keys: keys)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let healed = try Gzip.decompress(try #require(FileManager.default.contents(atPath: path)), file: path)
        #expect(!String(decoding: healed, as: UTF8.self).contains("FORGED"))
    }
}
