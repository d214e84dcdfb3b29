import Foundation
import GRDB
import Tabular
import OperationalStore
import PrivacyPolicy
import ReleaseFormat
import Testing
import TestSupport
@testable import Publisher

/// Whether a window is published depends on what was imported, never on whether it
/// holds a record: a covered window publishes noise with no records in it, from D and
/// from D plus one call alike; a window no import covers is refused before anything.
@Suite(.serialized) struct ImportCoverageTests {
    static let policy = TestSupport.casesPolicy(id: "cases", table: "cases", timezone: "America/Chicago", dropped: ["case_id"])

    /// A store with one export imported (`rows`), its coverage declared or not, a key and the policy.
    static func setUp(_ label: String, rows: [String], covers: ClosedRange<String>?) throws -> (folder: String, store: String, key: String, policy: String) {
        let folder = TestSupport.temporaryFolder(label)
        TestSupport.write("case_id,received_at,district\n" + rows.joined(separator: "\n") + "\n", to: folder + "/export.csv")
        let store = try OperationalStore(path: folder + "/store.sqlite", create: true)
        var options = ImportOptions()
        options.covers = covers
        options.timestamps = TimestampParser(zone: TimeZone(identifier: "America/Chicago"))
        options.now = try #require(ISO8601DateFormatter().date(from: "2026-12-10T12:00:00Z"))
        _ = try CSVImporter.importFile(folder + "/export.csv", into: store, table: "cases", options: options)
        TestSupport.write(policy, to: folder + "/cases.yaml")
        try FileManager.default.createDirectory(atPath: folder + "/keys", withIntermediateDirectories: true)
        _ = try KeyFiles.generate(prefix: folder + "/keys/release", passphrase: nil)
        return (folder, folder + "/store.sqlite", folder + "/keys/release.key", folder + "/cases.yaml")
    }

    static func release(_ setup: (folder: String, store: String, key: String, policy: String), window: String,
                        out: String? = nil, hoursLater: Double = 0) throws -> ReleaseRun.Outcome? {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-10T12:00:00Z")).addingTimeInterval(hoursLater * 3600)
        return try ReleaseRun.run(ReleaseRun.Options(store: setup.store, key: setup.key, policies: [setup.policy], window: .day(window),
                                                     out: out ?? setup.folder + "/Releases", now: now)) { _ in }.first
    }

    @Test func importRecordsTheDaysItCovers() throws {
        // Naive local times: 2026-12-02 00:30 and 23:50 in Chicago; one UTC value that is still Dec 3 in Chicago.
        let setup = try Self.setUp("coverage-import", rows: ["1,2026-12-02 00:30:00,1", "2,2026-12-02 23:50:00,2", "3,2026-12-04T05:00:00Z,1"],
                                   covers: nil)
        let store = try OperationalStore(path: setup.store)
        #expect(try store.coveredDays(of: "cases", column: "received_at") == ["2026-12-02"..."2026-12-03"])
        #expect(try store.coveredDays(of: "CASES", column: "received_at") == ["2026-12-02"..."2026-12-03"])
        #expect(try store.coveredDays(of: "other", column: "received_at") == nil)
        // --covers declares the days, whatever the rows say.
        let declared = try Self.setUp("coverage-declared", rows: ["1,2026-12-05 10:00:00,1"], covers: "2026-12-01"..."2026-12-07")
        #expect(try OperationalStore(path: declared.store).coveredDays(of: "cases", column: "received_at") == ["2026-12-01"..."2026-12-07"])
        #expect(ImportCoverage.covers(["2026-12-01"..."2026-12-03", "2026-12-04"..."2026-12-09"], first: "2026-12-02", last: "2026-12-06"))
        #expect(!ImportCoverage.covers(["2026-12-01"..."2026-12-03", "2026-12-05"..."2026-12-09"], first: "2026-12-02", last: "2026-12-06"))
        #expect(ImportCoverage.covers(["2026-11-25"..."2026-12-31"], first: "2026-12-31", last: "2026-12-31"))
    }

    /// Only days that have ended are covered: `--covers` naming today or a later day (in the import's
    /// zone) is refused, as is one before 1900, and an export's own days stop at yesterday (its rows of
    /// today are imported, the day is covered by a later import). opendata's and SQLite's own tables
    /// are never import targets.
    @Test func onlyEndedDaysAreCoveredAndTheStoresOwnTablesAreNotTargets() throws {
        let folder = TestSupport.temporaryFolder("coverage-ended")
        TestSupport.write("case_id,received_at,district\n1,2026-12-04 10:00:00,1\n2,2026-12-05 23:30:00,2\n3,2026-12-06 00:30:00,1\n",
                          to: folder + "/export.csv")
        let store = try OperationalStore(path: folder + "/store.sqlite", create: true)
        var options = ImportOptions()
        options.timestamps = TimestampParser(zone: TimeZone(identifier: "America/Chicago"))
        // 05:00 UTC on Dec 6 is still Dec 5 (23:00) in Chicago: Dec 5 has not ended there.
        options.now = try #require(ISO8601DateFormatter().date(from: "2026-12-06T05:00:00Z"))
        options.append = true
        for (covers, refused) in [("2026-12-05"..."2026-12-05", true), ("2026-12-01"..."2026-12-09", true), ("1899-12-31"..."2026-12-01", true),
                                  ("2026-12-04"..."2026-12-04", false)] {
            options.covers = covers
            do {
                _ = try CSVImporter.importFile(folder + "/export.csv", into: store, table: "cases\(refused ? "_refused" : "")", options: options)
                #expect(!refused, "--covers \(covers) was taken")
            } catch {
                #expect(refused, "\(error)")
                #expect("\(error)".contains("has not ended") || "\(error)".contains("before 1900-01-01"), "\(error)")
            }
        }
        #expect(try DatabaseQueue(path: folder + "/store.sqlite").read { try $0.tableExists("cases_refused") } == false,
                "a refused import created its table")
        // Without --covers: the export's days up to yesterday, every row imported.
        options.covers = nil
        let report = try CSVImporter.importFile(folder + "/export.csv", into: store, table: "derived", options: options)
        #expect(report.inserted == 3)
        #expect(try store.coveredDays(of: "derived", column: "received_at") == ["2026-12-04"..."2026-12-04"])
        // Without a zone, a naive time could be from anywhere: its day has ended once it has ended at
        // UTC-12 (05:00 UTC on Dec 6 is 17:00 on Dec 5 there); a time with an offset ends at its own.
        options.timestamps = TimestampParser()
        TestSupport.write("case_id,received_at,district\n1,2026-12-04 10:00:00,1\n2,2026-12-05 01:30:00,2\n", to: folder + "/naive.csv")
        _ = try CSVImporter.importFile(folder + "/naive.csv", into: store, table: "naive", options: options)
        #expect(try store.coveredDays(of: "naive", column: "received_at") == ["2026-12-04"..."2026-12-04"])
        TestSupport.write("case_id,received_at,district\n1,2026-12-04T10:00:00-06:00,1\n2,2026-12-05T20:30:00-06:00,2\n3,2026-12-05T01:00:00+05:30,1\n",
                          to: folder + "/offsets.csv")
        _ = try CSVImporter.importFile(folder + "/offsets.csv", into: store, table: "offsets", options: options)
        #expect(try store.coveredDays(of: "offsets", column: "received_at") == ["2026-12-04"..."2026-12-05"])
        options.covers = "2026-12-05"..."2026-12-05"
        #expect {
            try CSVImporter.importFile(folder + "/naive.csv", into: store, table: "naive", options: options)
        } throws: { error in "\(error)".contains("has not ended") && "\(error)".contains("UTC-12") }
        options.covers = nil
        options.timestamps = TimestampParser(zone: TimeZone(identifier: "America/Chicago"))
        // An export wholly of today covers nothing.
        TestSupport.write("case_id,received_at,district\n1,2026-12-05 20:00:00,1\n", to: folder + "/today.csv")
        _ = try CSVImporter.importFile(folder + "/today.csv", into: store, table: "today", options: options)
        #expect(try store.coveredDays(of: "today", column: "received_at") == nil)
        for table in ["opendata_coverage", "OpenData_column_blocks", "sqlite_master", "sqlite_stat1"] {
            #expect {
                try CSVImporter.importFile(folder + "/export.csv", into: store, table: table, options: options)
            } throws: { error in
                "\(error)".contains("is reserved")
            }
        }
    }

    @Test func aCoveredWindowIsPublishedWithOrWithoutRecordsAndAnUncoveredOneIsRefused() throws {
        // D: an export declared to cover Dec 1–7 with no call on Dec 3. D′: the same plus one call on Dec 3.
        let rows = ["1,2026-12-02 10:00:00,1", "2,2026-12-04 11:00:00,2"]
        let d = try Self.setUp("coverage-d", rows: rows, covers: "2026-12-01"..."2026-12-07")
        let dPrime = try Self.setUp("coverage-d-prime", rows: rows + ["3,2026-12-03 09:00:00,2"], covers: "2026-12-01"..."2026-12-07")
        for setup in [d, dPrime] {
            let outcome = try #require(try Self.release(setup, window: "2026-12-03"))
            #expect(outcome.status == .published, "\(outcome.refusal ?? "")")
            #expect(FileManager.default.fileExists(atPath: setup.folder + "/Releases/cases/2026-12-03/per-district.csv.gz"))
        }
        // Dec 9 is covered by no import: refused as invalid input before anything is read, published or
        // charged, and the published folder, its signed snapshot included, and the state are as they were.
        let before = Self.files(d.folder + "/Releases").merging(Self.files(d.folder + "/Releases.private")) { $1 }
        let refused = try #require(try Self.release(d, window: "2026-12-09"))
        let after = Self.files(d.folder + "/Releases").merging(Self.files(d.folder + "/Releases.private")) { $1 }
        #expect(after.keys.sorted() == before.keys.sorted())
        #expect(after.filter { before[$0.key] != $0.value }.keys.sorted() == [], "changed by a refused run")
        // Refused again 47 hours later, an hour before the snapshot expires: it is signed afresh, so a
        // refused night never leaves a site that stops verifying the next hour.
        #expect(try Self.release(d, window: "2026-12-09", hoursLater: 47)?.status == .refused)
        let later = try #require(ISO8601DateFormatter().date(from: "2026-12-12T13:00:00Z"))
        let key = try KeyFiles.loadSecretKey(path: d.key, passphraseFile: nil).publicKeyFile
        let (snapshot, checks) = ReleaseSnapshot.verify(out: d.folder + "/Releases", keys: [key], now: later)
        #expect(snapshot != nil, "\(checks.map(\.detail))")
        #expect(refused.status == .refused && refused.invalidInput)
        #expect(refused.refusal?.contains("not covered by any import of cases") == true, "\(refused.refusal ?? "")")
        #expect(refused.refusal?.contains("2026-12-01..2026-12-07") == true)
        #expect(!FileManager.default.fileExists(atPath: d.folder + "/Releases/cases/2026-12-09"))
        let charged = try DatabaseQueue(path: d.folder + "/Releases.private/state.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger WHERE window = '2026-12-09'")
        }
        #expect(charged == 0)
    }

    /// Every regular file under `folder`, by path, with its mode and bytes.
    static func files(_ folder: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for path in FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [] {
            let full = folder + "/" + path
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full), attributes[.type] as? FileAttributeType == .typeRegular,
                  let data = FileManager.default.contents(atPath: full) else { continue }
            files[path] = Data("\(attributes[.posixPermissions] ?? "")".utf8) + data
        }
        return files
    }

    @Test func unpaddedDatesAreDates() {
        #expect(ReleaseWindow.padded("2018-5-5") == "2018-05-05" && ReleaseWindow.padded("2018-5-1..2018-5-31") == "2018-05-01..2018-05-31")
        #expect(ReleaseWindow.problem("2018-5-5") == nil && ReleaseRun.WindowChoice("2018-5-5") == .day("2018-05-05"))
        #expect(ReleaseWindow.problem("2018-2-30")?.contains("has 28 days") == true)
        // A malformed day is called one, not a day its month lacks.
        for text in ["+2026-12-05", "2026-12-5x", "2026-12-05T00"] {
            #expect(ReleaseWindow.problem(text)?.contains("is not a date; use YYYY-MM-DD") == true, "\(text)")
        }
    }

    /// `publish_only:` withholds every record whose value is not listed (a category seen for the
    /// first time, or none), says so in the steward's log, and is refused when no output publishes the column.
    @Test func publishOnlyWithholdsUnlistedValues() throws {
        let text = Self.policy + "\npublish_only:\n  district: [\"1\"]\n"
        let policy = try PolicyLoader.parse(bytes: Data(text.utf8), path: "/tmp/publish-only.yaml")
        let table = Tabular.Table(columns: [Tabular.Column(name: "district", values: ["1", "2", nil, "1", "3"]),
                                            Tabular.Column(name: "received_at", values: ["a", "b", "c", "d", "e"])])
        let (kept, withheld) = PublishOnly.apply(policy, to: table)
        #expect(kept.rowCount == 2 && kept.column(named: "received_at")?.values == ["a", "d"])
        #expect(withheld.map(\.rows) == [3])
        #expect(PolicyExplainer.explain(policy).contains { $0.contains("Only these values of district are published: 1") })
        // A column no output publishes cannot be limited.
        let unpublished = Self.policy + "\npublish_only:\n  received_at: [\"x\"]\n"
        #expect {
            try PolicyLoader.parse(bytes: Data(unpublished.utf8), path: "/tmp/publish-only.yaml")
        } throws: { error in
            "\(error)".contains("publish_only column 'received_at' is published by no output")
        }
        // In a release, the withheld records are named in the steward's log only.
        let setup = try Self.setUp("publish-only", rows: ["1,2026-12-02 10:00:00,1", "2,2026-12-02 11:00:00,7"], covers: nil)
        TestSupport.write(text, to: setup.policy)
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-10T12:00:00Z"))
        var lines: [String] = []
        let outcome = try ReleaseRun.run(ReleaseRun.Options(store: setup.store, key: setup.key, policies: [setup.policy], window: .day("2026-12-02"),
                                                            out: setup.folder + "/Releases", now: now)) { lines.append($0) }.first
        #expect(outcome?.status == .published)
        #expect(lines.contains { $0.contains("1 records (steward's log, exact) hold a district outside publish_only") }, "\(lines)")
    }
}
