import Foundation
import GRDB
import Testing
import TestSupport
@testable import OperationalStore

@Suite struct CSVImportTests {
    func store() throws -> (OperationalStore, String) {
        let folder = TestSupport.temporaryFolder("import")
        return (try OperationalStore(path: folder + "/store.sqlite", create: true), folder)
    }

    @Test func readerHandlesRFC4180Quoting() throws {
        let folder = TestSupport.temporaryFolder("csv")
        let path = folder + "/tricky.csv"
        // BOM, CRLF, embedded delimiter, doubled quotes, embedded CRLF and LF, empty fields.
        let bytes = Data([0xEF, 0xBB, 0xBF]) + Data("id,text,note\r\n1,\"a, b\",\"say \"\"hi\"\"\"\r\n2,\"line one\r\nline two\",\r\n3,,\"x\ny\"\r\n".utf8)
        _ = FileManager.default.createFile(atPath: path, contents: bytes)
        var reader = try CSVReader(path: path)
        var records: [(Int, [String])] = []
        while let record = try reader.next() { records.append((record.line, record.fields)) }
        #expect(records.map(\.1) == [["id", "text", "note"], ["1", "a, b", "say \"hi\""], ["2", "line one\r\nline two", ""],
                                     ["3", "", "x\ny"]])
        #expect(records.map(\.0) == [1, 2, 3, 5], "records report the physical line they start on")
    }

    @Test func nulBytesAndLoneCarriageReturnsAreRefusedWithTheirLine() throws {
        let (store, folder) = try store()
        let cases: [(name: String, bytes: Data, line: Int, what: String)] = [
            ("nul.csv", Data("id,name\n1,bob\n2,al".utf8) + Data([0]) + Data("ice\n".utf8), 3, "NUL byte"),
            ("cr.csv", Data("id,name\r1,bob\r2,alice\r".utf8), 1, "carriage return"),
        ]
        for item in cases {
            let path = folder + "/" + item.name
            _ = FileManager.default.createFile(atPath: path, contents: item.bytes)
            #expect {
                try CSVImporter.importFile(path, into: store, table: "t_" + item.name.prefix(2))
            } throws: { error in
                let text = "\(error)"
                return text.contains("\(path):\(item.line):") && text.contains(item.what)
            }
            #expect(try store.tables().isEmpty, "nothing imported from \(item.name)")
        }
    }

    @Test func semicolonFilesAreDetected() throws {
        let path = TestSupport.temporaryFolder("csv") + "/adult.csv"
        TestSupport.write("sex;age\nMale;39\n", to: path)
        var reader = try CSVReader(path: path, delimiter: nil)
        #expect(try reader.next()?.fields == ["sex", "age"])
    }

    @Test func importsTheRealMilwaukeeCalls() throws {
        let (store, _) = try store()
        let report = try CSVImporter.importFile(TestSupport.sharedPath("data/real-police/mke_calls_for_service_2018-05.csv"),
                                                into: store, table: "mke_calls")
        #expect(report.rows == 33_968)
        #expect(report.columns.map(\.name) == ["id", "time", "location", "latitude", "longitude", "district", "nature", "status"])
        #expect(report.columns.map(\.type) == [.integer, .datetime, .text, .real, .real, .text, .text, .text])
        #expect(try store.rowCount(of: "mke_calls") == 33_968)
        let first = try store.pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM mke_calls WHERE id = 1211372") }
        #expect(first?["location"] == "5237 N 35TH ST,MKE")
        #expect(first?["time"] == "2018-05-01 00:10:28")
        #expect((first?["latitude"] as Double?).map { abs($0 - 43.1127987) < 1e-9 } == true)
        let blanks = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM mke_calls WHERE latitude IS NULL") }
        #expect(blanks == 11, "PROVENANCE.txt: 11 rows have no coordinates")
    }

    @Test func aBadRowAbortsAndLeavesTheStoreUnchanged() throws {
        let (store, folder) = try store()
        let path = folder + "/bad.csv"
        var text = "id,name\n"
        for i in 1...500 { text += "\(i),name \(i)\n" }
        text += "501,\"unterminated\n502,x\n"
        TestSupport.write(text, to: path)
        #expect {
            try CSVImporter.importFile(path, into: store, table: "people")
        } throws: { error in
            guard case let StoreError.malformedCSV(file, line, _, reason) = error else { return false }
            return file == path && line == 502 && reason.contains("never closed")
        }
        #expect(try store.columns(of: "people") == nil, "nothing was created")

        var wide = "id,name\n1,a\n2,b,c\n"
        TestSupport.write(wide, to: path)
        #expect {
            try CSVImporter.importFile(path, into: store, table: "people")
        } throws: { error in
            (error as? StoreError)?.description.hasPrefix("\(path):3: row has 3 fields, the header has 2") == true
        }
        wide = "id,name\n1,\"a\"b\n"
        TestSupport.write(wide, to: path)
        #expect(throws: StoreError.self) { try CSVImporter.importFile(path, into: store, table: "people") }
        #expect(try store.tables() == [])
    }

    @Test func anExistingTableIsNeverOverwritten() throws {
        let (store, folder) = try store()
        let path = folder + "/a.csv"
        TestSupport.write("a\n1\n", to: path)
        _ = try CSVImporter.importFile(path, into: store, table: "t")
        #expect(throws: StoreError.self) { try CSVImporter.importFile(path, into: store, table: "t") }
        #expect(try store.rowCount(of: "t") == 1)
    }

    @Test func typesAreInferredFromEveryValue() {
        #expect(ColumnType.of("42") == .integer)
        #expect(ColumnType.of("007") == .text, "leading zeros are identifiers, not numbers")
        #expect(ColumnType.integer.widened(toHold: "4.5") == .real)
        #expect(ColumnType.real.widened(toHold: "CITY") == .text)
        #expect(ColumnType.of("nan") == .text)
        for value in ["2018-05-01", "2018-05-01 00:10:28", "2018-05-01T00:10:28Z", "2018-05-01T00:10:28.125+02:00",
                      "2018-05-01T00:10-0500"] {
            #expect(ColumnType.isDateTime(value), "\(value)")
        }
        for value in ["2018-13-01", "2018-05-01 25", "2018-05-01T00:10:28ZZ", "05/01/2018"] {
            #expect(!ColumnType.isDateTime(value), "\(value)")
        }
    }
}
