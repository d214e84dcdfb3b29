import Foundation
import GRDB
import Testing
import TestSupport
@testable import OperationalStore

/// What a nightly export needs from `import`: appending, keys, separators,
/// gzip, Latin-1 and timestamps in the spellings real systems write.
@Suite struct NightlyImportTests {
    func store() throws -> (OperationalStore, String) {
        let folder = TestSupport.temporaryFolder("nightly-import")
        return (try OperationalStore(path: folder + "/store.sqlite", create: true), folder)
    }

    func rows(_ store: OperationalStore, _ sql: String) throws -> [[String]] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { $0.isNull ? "" : String(describing: $0.storage.value ?? "") } }
        }
    }

    @Test func appendedNightsWithKeysAreAddedOnceAndAllOrNothing() throws {
        let (store, folder) = try store()
        TestSupport.write("id,received_at,kind\n1,2026-12-01 08:00:00,THEFT\n2,2026-12-01 09:30:00,NOISE\n", to: folder + "/night1.csv")
        var options = ImportOptions()
        options.append = true
        options.key = "id"
        let first = try CSVImporter.importFile(folder + "/night1.csv", into: store, table: "calls", options: options)
        #expect(first.inserted == 2 && !first.appended)
        // The next night, with the columns in another order, re-sending row 2 and a corrected kind for it.
        TestSupport.write("kind,id,received_at\nNOISE COMPLAINT,2,2026-12-01 09:30:00\nFIRE,3,2026-12-02 01:00:00\n", to: folder + "/night2.csv")
        let second = try CSVImporter.importFile(folder + "/night2.csv", into: store, table: "calls", options: options)
        #expect(second.appended && second.inserted == 1 && second.skipped == 1)
        #expect(try rows(store, "SELECT id, kind FROM calls ORDER BY id") == [["1", "THEFT"], ["2", "NOISE"], ["3", "FIRE"]])
        options.onDuplicate = .replace
        let corrected = try CSVImporter.importFile(folder + "/night2.csv", into: store, table: "calls", options: options)
        #expect(corrected.replaced == 2 && corrected.inserted == 0)
        #expect(try rows(store, "SELECT id, kind FROM calls ORDER BY id") == [["1", "THEFT"], ["2", "NOISE COMPLAINT"], ["3", "FIRE"]])
        // A different header is refused, naming the columns; a value the column cannot hold, with its line; nothing changes.
        TestSupport.write("id,received,kind\n4,2026-12-03 01:00:00,FIRE\n", to: folder + "/renamed.csv")
        #expect {
            try CSVImporter.importFile(folder + "/renamed.csv", into: store, table: "calls", options: options)
        } throws: { error in
            "\(error)".contains("missing: received_at") && "\(error)".contains("not in the table: received")
        }
        TestSupport.write("id,received_at,kind\n4,2026-12-03 01:00:00,FIRE\nfive,2026-12-03 02:00:00,FIRE\n", to: folder + "/bad.csv")
        #expect {
            try CSVImporter.importFile(folder + "/bad.csv", into: store, table: "calls", options: options)
        } throws: { error in
            "\(error)".contains("bad.csv:3:1") && "\(error)".contains("not a whole number")
        }
        #expect(try store.rowCount(of: "calls") == 3)
        // Without --append an existing table is refused, and the message says how to add to it.
        #expect {
            try CSVImporter.importFile(folder + "/night2.csv", into: store, table: "calls")
        } throws: { error in "\(error)".contains("--append") }
    }

    /// A key repeated inside one export is the export's mistake, not a row already imported: refused at
    /// its line in skip and replace mode alike. A row the table's own constraint refuses (a NOT NULL
    /// column left empty) is refused at its line and column. Nothing is imported in either case.
    @Test func aKeyRepeatedInTheFileAndARowTheTableRefusesAreErrorsAtTheirLine() throws {
        let (store, folder) = try store()
        try store.pool.write { db in
            try db.execute(sql: "CREATE TABLE calls (id INTEGER, received_at TEXT, kind TEXT NOT NULL)")
            try db.execute(sql: "INSERT INTO calls VALUES (1, '2026-12-01T08:00:00Z', 'THEFT')")
        }
        var options = ImportOptions()
        options.append = true
        options.key = "id"
        /// `text` imported into `table` in skip and replace mode alike is refused at `place` as a repeated key.
        func expectRepeatedKey(_ text: String, named name: String, into table: String, at place: String) {
            TestSupport.write(text, to: folder + "/" + name)
            for duplicate in [ImportOptions.Duplicate.skip, .replace] {
                options.onDuplicate = duplicate
                #expect {
                    try CSVImporter.importFile(folder + "/" + name, into: store, table: table, options: options)
                } throws: { error in
                    "\(error)".contains("\(name):\(place)") && "\(error)".contains("also the key of an earlier row of this file")
                }
            }
        }
        expectRepeatedKey("id,received_at,kind\n1,2026-12-01 08:00:00,THEFT\n2,2026-12-02 01:00:00,FIRE\n3,2026-12-02 02:00:00,NOISE\n2,2026-12-02 03:00:00,FIRE\n",
                          named: "repeated.csv", into: "calls", at: "5:1")
        // Also when the repeated key was already in the table: the export still names it twice.
        expectRepeatedKey("id,received_at,kind\n1,2026-12-01 08:00:00,THEFT\n1,2026-12-01 08:00:00,NOISE\n", named: "again.csv", into: "calls", at: "3:1")
        TestSupport.write("id,received_at,kind\n4,2026-12-03 01:00:00,FIRE\n5,2026-12-03 02:00:00,\n", to: folder + "/empty.csv")
        #expect {
            try CSVImporter.importFile(folder + "/empty.csv", into: store, table: "calls", options: options)
        } throws: { error in
            "\(error)".contains("empty.csv:3:3") && "\(error)".contains("NOT NULL constraint failed")
        }
        #expect(try store.rowCount(of: "calls") == 1)
        // A table whose INTEGER PRIMARY KEY is the key: rowids are the keys, and a repeated key below the
        // largest one already there is caught too.
        try store.pool.write { db in
            try db.execute(sql: "CREATE TABLE cases (id INTEGER PRIMARY KEY, kind TEXT)")
            try db.execute(sql: "INSERT INTO cases VALUES (10, 'THEFT')")
        }
        expectRepeatedKey("id,kind\n3,FIRE\n10,THEFT\n3,NOISE\n", named: "gaps.csv", into: "cases", at: "4:1")
        #expect(try store.rowCount(of: "cases") == 1)
    }

    @Test func separatorsGzipAndLatin1() throws {
        let (store, folder) = try store()
        TestSupport.write("id;name\n1;Zoë\n", to: folder + "/semi.csv")
        #expect {
            try CSVImporter.importFile(folder + "/semi.csv", into: store, table: "semi")
        } throws: { error in "\(error)".contains("--delimiter ';'") }
        var options = ImportOptions(delimiter: UInt8(ascii: ";"))
        #expect(try CSVImporter.importFile(folder + "/semi.csv", into: store, table: "semi", options: options).columns.count == 2)
        TestSupport.write("id\tname\n1\tAnn\n", to: folder + "/tabs.tsv")
        options.delimiter = UInt8(ascii: "\t")
        #expect(try CSVImporter.importFile(folder + "/tabs.tsv", into: store, table: "tabs", options: options).rows == 1)
        // Latin-1: "Café Müller" as single bytes E9 and FC.
        let latin1 = Data("id,name\n1,Caf".utf8) + Data([0xE9]) + Data(" M".utf8) + Data([0xFC]) + Data("ller\n".utf8)
        _ = FileManager.default.createFile(atPath: folder + "/latin1.csv", contents: latin1)
        #expect(throws: StoreError.self) { try CSVImporter.importFile(folder + "/latin1.csv", into: store, table: "l1") }
        var latin = ImportOptions()
        latin.encoding = .latin1
        _ = try CSVImporter.importFile(folder + "/latin1.csv", into: store, table: "l1", options: latin)
        #expect(try rows(store, "SELECT name FROM l1") == [["Café Müller"]])
        // gzip, two members concatenated (as `cat a.gz b.gz` makes), detected from the bytes, whatever the name.
        guard OutsideTool.available("gzip") else { return }
        TestSupport.write("id,name\n1,a\n", to: folder + "/part1")
        TestSupport.write("2,b\n3,c\n", to: folder + "/part2")
        _ = try OutsideTool.run("gzip", ["-n", folder + "/part1", folder + "/part2"])
        let joined = try Data(contentsOf: URL(fileURLWithPath: folder + "/part1.gz")) + Data(contentsOf: URL(fileURLWithPath: folder + "/part2.gz"))
        _ = FileManager.default.createFile(atPath: folder + "/export.csv", contents: joined)
        let gz = try CSVImporter.importFile(folder + "/export.csv", into: store, table: "gz")
        #expect(gz.gzip && gz.rows == 3)
        #expect(try rows(store, "SELECT name FROM gz ORDER BY id") == [["a"], ["b"], ["c"]])
        // A cut-short download is refused, not imported in part.
        _ = FileManager.default.createFile(atPath: folder + "/cut.csv.gz", contents: joined.prefix(joined.count - 12))
        // The file as a whole is damaged: named without a line.
        #expect {
            try CSVImporter.importFile(folder + "/cut.csv.gz", into: store, table: "cut")
        } throws: { error in
            "\(error)".hasPrefix(folder + "/cut.csv.gz: the gzip file is cut short")
        }
        // A folder is not an export.
        #expect {
            try CSVImporter.importFile(folder, into: store, table: "folder")
        } throws: { error in
            "\(error)".contains("is a folder, not an export file")
        }
        #expect(try store.columns(of: "cut") == nil)
    }

    @Test func timestampsInEverySpellingAreStoredUnambiguously() throws {
        let parser = TimestampParser(formats: ["%m/%d/%Y %I:%M:%S %p"], zone: TimeZone(identifier: "America/Chicago"))
        #expect(parser.normalize("2026-12-01 05:10:28+00") == "2026-12-01T05:10:28+00:00")
        #expect(parser.normalize("2026-12-01 05:10:28+0000") == "2026-12-01T05:10:28+00:00")
        #expect(parser.normalize("2026-12-01T05:10:28+05:30") == "2026-12-01T05:10:28+05:30")
        #expect(parser.normalize("2026-12-01T05:10:28.250Z") == "2026-12-01T05:10:28.250Z")
        #expect(parser.normalize("2026-12-01T05:10:28-0600") == "2026-12-01T05:10:28-06:00")
        // Naive values get Chicago's offset at that local time (CDT in May, CST in December).
        #expect(parser.normalize("2018-05-01 00:10:28") == "2018-05-01T00:10:28-05:00")
        #expect(parser.normalize("2026-12-01 23:30:00") == "2026-12-01T23:30:00-06:00")
        #expect(parser.normalize("05/01/2018 12:10:28 AM") == "2018-05-01T00:10:28-05:00")
        #expect(parser.normalize("05/01/2018 12:10:28 PM") == "2018-05-01T12:10:28-05:00")
        #expect(parser.normalize("2026-05-01") == "2026-05-01")
        // Impossible dates and times are not timestamps.
        for bad in ["2026-02-30", "2026-02-30 10:00:00", "02/30/2026 10:00:00 AM", "2026-13-01 10:00:00", "2026-12-01 24:00:00", "13/01/2026 10:00:00 AM"] {
            #expect(parser.normalize(bad) == nil, "\(bad)")
        }
        // Without a zone, naive values stay naive (a release reads them in its policy's zone).
        #expect(TimestampParser().normalize("2018-05-01 00:10:28") == "2018-05-01 00:10:28")
        #expect(TimestampParser().normalize("2026-12-01 05:10:28+00") == "2026-12-01T05:10:28+00:00")
    }

    @Test func theRealMilwaukeeExportGetsItsLocalOffset() throws {
        let (store, _) = try store()
        var options = ImportOptions()
        options.timestamps = TimestampParser(zone: TimeZone(identifier: "America/Chicago"))
        let report = try CSVImporter.importFile(TestSupport.sharedPath("data/real-police/mke_calls_for_service_2018-05.csv"),
                                                into: store, table: "mke", options: options)
        #expect(report.rows == 33_968 && report.columns.first { $0.name == "time" }?.type == .datetime)
        #expect(try rows(store, "SELECT time FROM mke WHERE id = 1211372") == [["2018-05-01T00:10:28-05:00"]])
        // The 16:00 local peak is hour 16, not 21: every stored value carries May's CDT offset.
        let offsets = try rows(store, "SELECT DISTINCT substr(time, 20) FROM mke WHERE time IS NOT NULL")
        #expect(offsets == [["-05:00"]])
    }

    /// A whole number beyond 64 bits stays exact (as text), and an appended night is held to the
    /// types of the first: a timestamp column refuses what is not a timestamp, with its line.
    @Test func bigNumbersStayExactAndAppendedTimestampsAreChecked() throws {
        let (store, folder) = try store()
        TestSupport.write("id,received_at,amount\n1,2026-12-01 08:00:00,99999999999999999999\n2,2026-12-01 09:00:00,5\n", to: folder + "/night1.csv")
        var options = ImportOptions()
        options.append = true
        let first = try CSVImporter.importFile(folder + "/night1.csv", into: store, table: "calls", options: options)
        #expect(first.columns.first { $0.name == "amount" }?.type == .text)
        #expect(try rows(store, "SELECT amount FROM calls ORDER BY id") == [["99999999999999999999"], ["5"]])
        TestSupport.write("id,received_at,amount\n3,not-a-time,7\n", to: folder + "/night2.csv")
        #expect {
            try CSVImporter.importFile(folder + "/night2.csv", into: store, table: "calls", options: options)
        } throws: { error in
            "\(error)".contains("night2.csv:2:2:") && "\(error)".contains("not a timestamp")
        }
        // An INTEGER column refuses a number it cannot hold exactly.
        TestSupport.write("id,received_at,amount\n99999999999999999999,2026-12-02 08:00:00,1\n", to: folder + "/night3.csv")
        #expect {
            try CSVImporter.importFile(folder + "/night3.csv", into: store, table: "calls", options: options)
        } throws: { error in
            "\(error)".contains("too large for 64 bits")
        }
        #expect(try rows(store, "SELECT count(*) FROM calls") == [["2"]])
    }
}
