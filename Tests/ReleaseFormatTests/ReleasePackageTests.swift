import Foundation
import Testing
import TestSupport
@testable import ReleaseFormat

@Suite struct ReleasePackageTests {
    static let expires = "2099-01-01T00:00:00Z"

    /// A small release folder with one data file, a data package, a policy, and a signed manifest.
    static func release(_ folder: String, key: Minisign.SecretKey, sequence: Int = 1, previous: String? = nil,
                        expires: String = expires, rows: Int = 500) throws -> Manifest {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let writer = try CSVGzipWriter(path: folder + "/calls.csv.gz", header: ["district", "day", "count", "note"])
        for i in 0..<rows {
            try writer.append(["\(i % 7 + 1)", "2026-11-22", "\(i)", i % 50 == 0 ? nil : "quoted, \"text\"\nline"])
        }
        let (bytes, sha) = try writer.finish()
        let package = DataPackage(name: "calls-for-service", title: "Calls", description: "Test", license: "CC-BY-4.0",
                                  version: "1.0.\(sequence)", created: "2026-11-23T00:00:00Z", publisher: "Police",
                                  contact: "open@example.gov",
                                  resources: [DataPackage.Resource(name: "calls", path: "calls.csv.gz", title: "Calls", bytes: bytes, sha256: sha,
                                                                   fields: [DataPackage.Field(name: "district", type: "string", description: "District"),
                                                                            DataPackage.Field(name: "day", type: "date", description: "Day"),
                                                                            DataPackage.Field(name: "count", type: "integer", description: "Count"),
                                                                            DataPackage.Field(name: "note", type: "string", description: "Note")],
                                                                   primaryKey: ["count"])])
        try package.json().write(to: URL(fileURLWithPath: folder + "/datapackage.json"))
        try "policy: 1\n".write(toFile: folder + "/policy.yaml", atomically: true, encoding: .utf8)
        let manifest = Manifest(dataset: "calls-for-service", release: "2026-11-2\(sequence)", sequence: sequence,
                                windowStart: "2026-11-22T06:00:00Z", windowEnd: "2026-11-23T06:00:00Z", created: "2026-11-23T01:00:00Z",
                                expires: expires, previousManifestSHA256: previous, policySHA256: String(repeating: "a", count: 64),
                                keyID: "", toolVersion: "test", files: [])
        try ReleaseSigner.seal(folder: folder, manifest: manifest, key: key)
        return try Manifest.parse(try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")), file: "m")
    }

    @Test func aSealedReleaseVerifiesAndEveryTamperingIsNamed() throws {
        let root = TestSupport.temporaryFolder("release")
        let key = try Minisign.SecretKey.generate()
        let folder = root + "/calls-for-service/2026-11-21"
        let manifest = try Self.release(folder, key: key)
        #expect(manifest.files.map(\.path) == ["calls.csv.gz", "datapackage.json", "policy.yaml"])
        let good = ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile])
        #expect(good.passed, "\(good.checks)")
        #expect(good.checks.map(\.name) == ["manifest", "signature", "global-signature", "trusted-comment", "files",
                                            "no-unlisted-files", "datapackage", "not-expired"])
        // A byte flipped in a data file.
        var data = try Data(contentsOf: URL(fileURLWithPath: folder + "/calls.csv.gz"))
        data[data.count / 2] ^= 1
        try data.write(to: URL(fileURLWithPath: folder + "/calls.csv.gz"))
        #expect(ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile]).firstFailure?.name == "files")
        data[data.count / 2] ^= 1
        try data.write(to: URL(fileURLWithPath: folder + "/calls.csv.gz"))
        // An unlisted file, then a link pointing outside the release.
        try "x".write(toFile: folder + "/extra.txt", atomically: true, encoding: .utf8)
        #expect(ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile]).firstFailure?.name == "no-unlisted-files")
        try FileManager.default.removeItem(atPath: folder + "/extra.txt")
        try FileManager.default.moveItem(atPath: folder + "/policy.yaml", toPath: root + "/policy.yaml")
        try FileManager.default.createSymbolicLink(atPath: folder + "/policy.yaml", withDestinationPath: root + "/policy.yaml")
        let linked = ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile])
        #expect(linked.firstFailure?.name == "files")
        #expect(linked.firstFailure?.detail.contains("link") == true)
        try FileManager.default.removeItem(atPath: folder + "/policy.yaml")
        try FileManager.default.moveItem(atPath: root + "/policy.yaml", toPath: folder + "/policy.yaml")
        // A file missing.
        try FileManager.default.moveItem(atPath: folder + "/datapackage.json", toPath: root + "/dp.json")
        #expect(ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile]).firstFailure?.name == "files")
        try FileManager.default.moveItem(atPath: root + "/dp.json", toPath: folder + "/datapackage.json")
        // Another key.
        let stranger = try Minisign.SecretKey.generate()
        #expect(ReleaseVerifier.verify(folder: folder, keys: [stranger.publicKeyFile]).firstFailure?.name == "signature")
        // Rotation: a keyring with the old and the new key accepts releases signed by either.
        #expect(ReleaseVerifier.verify(folder: folder, keys: [stranger.publicKeyFile, key.publicKeyFile]).passed)
        #expect(ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile]).passed)
    }

    @Test func expiryAndRollbackAreChecked() throws {
        let root = TestSupport.temporaryFolder("rollback")
        let key = try Minisign.SecretKey.generate()
        _ = try Self.release(root + "/d/1", key: key, sequence: 1)
        let first = try Data(contentsOf: URL(fileURLWithPath: root + "/d/1/manifest.json"))
        let firstSHA = StreamingDigest.sha256Hex(first)
        _ = try Self.release(root + "/d/2", key: key, sequence: 2, previous: firstSHA)
        #expect(ReleaseVerifier.verify(folder: root + "/d/2", keys: [key.publicKeyFile], previous: first).passed)
        // Presenting release 1 as the successor of release 2 is a rollback.
        let second = try Data(contentsOf: URL(fileURLWithPath: root + "/d/2/manifest.json"))
        let rollback = ReleaseVerifier.verify(folder: root + "/d/1", keys: [key.publicKeyFile], previous: second)
        #expect(rollback.firstFailure?.name == "no-rollback")
        // A broken link to the previous manifest.
        _ = try Self.release(root + "/d/3", key: key, sequence: 2, previous: String(repeating: "0", count: 64))
        #expect(ReleaseVerifier.verify(folder: root + "/d/3", keys: [key.publicKeyFile], previous: first).firstFailure?.name == "no-rollback")
        _ = try Self.release(root + "/d/4", key: key, sequence: 3, expires: "2020-01-01T00:00:00Z")
        #expect(ReleaseVerifier.verify(folder: root + "/d/4", keys: [key.publicKeyFile]).firstFailure?.name == "not-expired")
    }

    @Test func gzipIsDeterministicAndReadableByStockTools() throws {
        let root = TestSupport.temporaryFolder("gzip")
        // More than one 4 MiB member.
        var rows: [[String?]] = []
        for i in 0..<250_000 { rows.append(["\(i)", "row \(i) of the test, with \"quotes\"", i % 3 == 0 ? nil : "x"]) }
        var hashes: [String] = []
        for name in ["a", "b"] {
            let writer = try CSVGzipWriter(path: root + "/\(name).csv.gz", header: ["id", "text", "flag"])
            for row in rows { try writer.append(row) }
            hashes.append(try writer.finish().sha256)
        }
        #expect(hashes[0] == hashes[1], "the same rows give the same bytes")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/a.csv.gz"))
        #expect(Array(bytes.prefix(10)) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF], "mtime 0, no name, OS unknown")
        guard OutsideTool.available("gzip"), OutsideTool.available("python3") else { return }
        #expect(try OutsideTool.run("gzip", ["-t", root + "/a.csv.gz"]).status == 0)
        let zcat = try OutsideTool.run("sh", ["-c", "zcat \(root)/a.csv.gz | wc -l"])
        #expect(zcat.output.trimmingCharacters(in: .whitespacesAndNewlines) == "250001")
        let python = try OutsideTool.run("python3", ["-c", """
            import csv, gzip, sys
            with gzip.open(sys.argv[1], 'rt', encoding='utf-8', newline='') as f:
                rows = list(csv.reader(f))
            assert rows[0] == ['id', 'text', 'flag'], rows[0]
            assert rows[2] == ['1', 'row 1 of the test, with "quotes"', 'x'], rows[2]
            assert rows[1][2] == '' and len(rows) == 250001
            print('ok')
            """, root + "/a.csv.gz"])
        #expect(python.output.contains("ok"), "\(python.output)")
    }

    @Test(OutsideTool.needed("frictionless")) func frictionlessValidatesTheDataPackage() throws {
        guard OutsideTool.available("frictionless") else { return }
        let folder = TestSupport.temporaryFolder("frictionless") + "/r"
        _ = try Self.release(folder, key: try Minisign.SecretKey.generate())
        let result = try OutsideTool.run("frictionless", ["validate", "datapackage.json"], in: folder)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("VALID"))
    }

    @Test(OutsideTool.needed("minisign")) func stockMinisignVerifiesASealedRelease() throws {
        guard OutsideTool.available("minisign") else { return }
        let folder = TestSupport.temporaryFolder("minisign-release") + "/r"
        let key = try Minisign.SecretKey.generate()
        _ = try Self.release(folder, key: key)
        TestSupport.write(key.publicKeyFile.fileContents, to: folder + "/../release.pub")
        let result = try OutsideTool.run("minisign", ["-Vm", folder + "/manifest.json", "-p", folder + "/../release.pub"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("dataset:calls-for-service"))
        let sums = try OutsideTool.run("sh", ["-c", "cd \(folder) && python3 -c \"import json;[print(f['sha256']+'  '+f['path']) for f in json.load(open('manifest.json'))['files']]\" | sha256sum -c -"])
        #expect(sums.status == 0, "\(sums.output)")
    }

    /// Hundreds of mutated manifests and signatures: every one fails cleanly, none crashes or passes.
    @Test func mutatedManifestsAndSignaturesFailCleanly() throws {
        let folder = TestSupport.temporaryFolder("fuzz") + "/r"
        let key = try Minisign.SecretKey.generate()
        _ = try Self.release(folder, key: key, rows: 20)
        let manifest = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
        let signature = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json.minisig"))
        var state: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        // The signature file's first line is minisign's *untrusted* comment and its last byte a
        // newline; neither is authenticated, so mutations target everything in between.
        func mutate(_ data: Data, from start: Int) -> Data {
            var bytes = [UInt8](data)
            let span = bytes.count - 1 - start
            let at = start + next(span)
            switch next(5) {
            case 0: bytes[at] ^= UInt8(1 << next(8))
            case 1: bytes = Array(bytes.prefix(at))
            case 2: bytes.insert(UInt8(next(256)), at: at)
            case 3: bytes.remove(at: at)
            default: bytes[at] = [0x22, 0x7B, 0x0A, 0x3D, 0x00][next(5)]
            }
            return Data(bytes)
        }
        let signedStart = (signature.firstIndex(of: 0x0A) ?? 0) + 1
        for round in 0..<300 {
            let target = round % 2 == 0 ? "manifest.json" : "manifest.json.minisig"
            let original = round % 2 == 0 ? manifest : signature
            var mutated = mutate(original, from: round % 2 == 0 ? 0 : signedStart)
            if mutated == original { mutated.append(0x20) }
            try mutated.write(to: URL(fileURLWithPath: folder + "/" + target))
            let report = ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile])
            #expect(!report.passed, "round \(round): a mutated \(target) passed")
            #expect(report.firstFailure?.detail.isEmpty == false)
            try original.write(to: URL(fileURLWithPath: folder + "/" + target))
        }
        #expect(ReleaseVerifier.verify(folder: folder, keys: [key.publicKeyFile]).passed)
    }
}

@Suite struct ColumnarCSVTests {
    /// Writing column by column (each distinct value escaped once) gives the same bytes as row by row.
    @Test func columnarRowsMatchRowByRow() throws {
        let folder = TestSupport.temporaryFolder("columnar")
        let dictionaries = [["1", "2", "quoted, \"text\"\nline"], ["", "x"]]
        let codes: [[Int32]] = [(0..<300_000).map { Int32($0 % 3) }, (0..<300_000).map { $0 % 7 == 0 ? -1 : Int32($0 % 2) }]
        let byRow = try CSVGzipWriter(path: folder + "/rows.csv.gz", header: ["a", "b"])
        for row in 0..<300_000 {
            try byRow.append((0..<2).map { c in codes[c][row] < 0 ? nil : dictionaries[c][Int(codes[c][row])] })
        }
        let columnar = try CSVGzipWriter(path: folder + "/columns.csv.gz", header: ["a", "b"])
        var fractions: [Double] = []
        try columnar.append(columns: [(dictionaries[0], codes[0]), (dictionaries[1], codes[1])], rowCount: 300_000) {
            fractions.append($0)
        }
        let (a, b) = (try byRow.finish(), try columnar.finish())
        #expect(a.sha256 == b.sha256 && a.bytes == b.bytes)
        #expect(columnar.rows == 300_000)
        #expect(fractions.last == 1.0 && fractions == fractions.sorted())
    }
}

/// In-memory gzip, as the cumulative files use it: the same members as the file writer, several
/// members read back as one stream, damage refused.
@Suite struct InMemoryGzipTests {
    @Test func roundTripsAcrossMembersAndRefusesDamage() throws {
        var text = Data()
        for index in 0..<400_000 { text.append(Data("row \(index),\(index % 97)\n".utf8)) }
        #expect(text.count > GzipFileWriter.chunkSize, "spans several members")
        let compressed = try Gzip.compress(text)
        #expect(try Gzip.decompress(compressed, file: "x.gz") == text)
        #expect(try Gzip.compress(text) == compressed, "deterministic")
        // Two files concatenated are one gzip stream (RFC 1952 §2.2).
        let tail = try Gzip.compress(Data("last\n".utf8))
        #expect(try Gzip.decompress(compressed + tail, file: "x.gz") == text + Data("last\n".utf8))
        #expect(try Gzip.decompress(try Gzip.compress(Data()), file: "empty.gz").isEmpty)
        #expect(throws: ReleaseFormatError.self) { try Gzip.decompress(compressed.prefix(compressed.count - 10), file: "cut.gz") }
        #expect(throws: ReleaseFormatError.self) { try Gzip.decompress(compressed + Data("junk".utf8), file: "junk.gz") }
        #expect(throws: ReleaseFormatError.self) { try Gzip.decompress(Data("plain text".utf8), file: "plain.gz") }
    }
}
