import Foundation
@testable import PublicSite
import Testing
import TestSupport

/// The catalog a portal harvests: with `--base-url`, `catalog/data.json` validates against the
/// DCAT-US v1.1 JSON Schema data.gov's harvester applies to non-federal publishers (committed
/// under Tests/Fixtures/dcat-us-1.1 with its source) with format checking, so every URL is
/// absolute and every media type is IANA's.
@Suite struct PortalCatalogTests {
    static let validator = """
        import json, pathlib, sys
        from jsonschema import Draft4Validator, FormatChecker, RefResolver
        folder = pathlib.Path(sys.argv[1])
        schemas = {json.load(open(p))['id'].rstrip('#'): json.load(open(p)) for p in folder.glob('*.json')}
        catalog_schema = schemas['https://project-open-data.cio.gov/v1.1/schema/catalog.json']
        resolver = RefResolver(base_uri=catalog_schema['id'], referrer=catalog_schema, store=schemas)
        checker = FormatChecker()
        assert 'uri' in checker.checkers, 'the uri format is not checked (pip install rfc3987)'
        errors = list(Draft4Validator(catalog_schema, resolver=resolver, format_checker=checker).iter_errors(json.load(open(sys.argv[2]))))
        for error in errors[:5]: print('/'.join(map(str, error.absolute_path)), error.message)
        sys.exit(1 if errors else 0)
        """

    static func validate(_ catalog: String) throws -> (status: Int32, output: String) {
        try OutsideTool.run("python3", ["-W", "ignore", "-c", validator, TestSupport.repositoryPath("Tests/Fixtures/dcat-us-1.1"), catalog])
    }

    /// Whether python3 has jsonschema and rfc3987 (the schema's URI format check needs it).
    static let validatorInstalled = ((try? OutsideTool.run("python3", ["-c", "import jsonschema, rfc3987"]))?.status) == 0

    @Test(OutsideTool.requires(validatorInstalled, "python3 with jsonschema and rfc3987"))
    func theCatalogValidatesAgainstDCATUSWithAbsoluteURLs() throws {
        guard Self.validatorInstalled else {
            Issue.record("python3 with jsonschema and rfc3987 is required under CI")
            return
        }
        let night = try NightlyFixture("portal")
        let catalog = night.releases + "/catalog/data.json"
        // Without a base URL the links are relative, which the schema's URI format refuses.
        let relative = try Self.validate(catalog)
        #expect(relative.status == 1 && relative.output.contains("'../calls-for-service/2026-11-21/datapackage.json' is not valid"), "\(relative.output)")
        let result = try CLI.run(night.release + ["2026-11-22", "--base-url", "https://data.example.gov/police/"])
        #expect(result.status == 0, "\(result.stderr)")
        let valid = try Self.validate(catalog)
        #expect(valid.status == 0, "\(valid.output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: catalog))) as? [String: Any])
        let dataset = try #require((object["dataset"] as? [[String: Any]])?.first)
        #expect(dataset["landingPage"] as? String == "https://data.example.gov/police/catalog/calls-for-service/index.html")
        let files = (dataset["distribution"] as? [[String: Any]] ?? []).compactMap { $0["downloadURL"] as? String }
        // Stable URLs: every release so far, and the latest release, per output.
        #expect(files.contains("https://data.example.gov/police/catalog/calls-for-service/calls-by-beat.all.csv.gz"), "\(files)")
        #expect(files.contains("https://data.example.gov/police/catalog/calls-for-service/calls-by-beat.latest.csv.gz"), "\(files)")
        // Each distribution's describedBy is its own published Table Schema, signed through the snapshot.
        let dictionaries = (dataset["distribution"] as? [[String: Any]] ?? []).compactMap { $0["describedBy"] as? String }
        #expect(dictionaries.contains("https://data.example.gov/police/catalog/calls-for-service/calls-by-beat.all.schema.json"), "\(dictionaries)")
        let schema = night.releases + "/calls-for-service/2026-11-22/calls-by-beat.schema.json"
        let fields = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schema))) as? [String: Any])?["fields"] as? [[String: Any]]
        #expect(fields?.first { $0["name"] as? String == "count" }?["type"] as? String == "integer")
        // `temporal` is the period the listed files hold: both nights' days in Chicago.
        #expect(dataset["temporal"] as? String == "2026-11-21T06:00:00Z/2026-11-23T06:00:00Z")
        // A bad base URL is a usage error.
        #expect(try CLI.run(night.release + ["2026-11-22", "--base-url", "data.example.gov"]).status == 2)
    }
}

/// The Table Schemas of a release are typed: frictionless accepts the signed files and rejects
/// a tampered count (−5) or an impossible date (2026-13-45) inside them.
@Suite struct TypedSchemaTests {
    @Test(OutsideTool.needed("frictionless", "gzip")) func frictionlessRejectsTamperedValues() throws {
        guard OutsideTool.available("frictionless"), OutsideTool.available("gzip") else { return }
        let night = try NightlyFixture("typed-schema")
        let result = try CLI.run(night.release + ["2026-11-22"])
        #expect(result.status == 0, "\(result.stderr)")
        let release = night.releases + "/calls-for-service/2026-11-22"
        let valid = try OutsideTool.run("frictionless", ["validate", "datapackage.json"], in: release)
        #expect(valid.status == 0, "\(valid.output)")
        let package = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: release + "/datapackage.json"))) as? [String: Any])
        let resources = try #require(package["resources"] as? [[String: Any]])
        let table = try #require(resources.first { $0["name"] as? String == "calls-by-district-day" })
        let fields = try #require((table["schema"] as? [String: Any])?["fields"] as? [[String: Any]])
        #expect(fields.first { $0["name"] as? String == "count" }.flatMap { ($0["constraints"] as? [String: Any])?["minimum"] as? Int } == 0)
        let dateField = try #require(fields.first { $0["type"] as? String == "date" }?["name"] as? String, "a day column typed as a date: \(fields)")
        // Tamper with a copy: the value is changed and the hash claims dropped, so only the schema can object.
        for (column, value, error) in [("count", "-5", "constraint-error"), (dateField, "2026-13-45", "type-error")] {
            let copy = TestSupport.temporaryFolder("tampered")
            try FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: release, toPath: copy)
            let text = try OutsideTool.run("gzip", ["-dc", copy + "/calls-by-district-day.csv.gz"]).output
            var lines = text.split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",").map(String.init)
            let index = try #require(header.firstIndex(of: column))
            var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[index] = value
            lines[1] = cells.joined(separator: ",")
            try (lines.joined(separator: "\n") + "\n").write(toFile: copy + "/calls-by-district-day.csv", atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: copy + "/calls-by-district-day.csv.gz")
            _ = try OutsideTool.run("gzip", ["-n", copy + "/calls-by-district-day.csv"])
            var edited = package
            edited["resources"] = resources.map { resource -> [String: Any] in
                var resource = resource
                if resource["name"] as? String == "calls-by-district-day" {
                    resource.removeValue(forKey: "hash")
                    resource.removeValue(forKey: "bytes")
                }
                return resource
            }
            try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: copy + "/datapackage.json"))
            let tampered = try OutsideTool.run("frictionless", ["validate", "datapackage.json"], in: copy)
            #expect(tampered.status != 0 && tampered.output.contains(error), "\(column) = \(value): \(tampered.output)")
        }
    }
}

/// The log can be checked without opendata: the checkpoint's key name is its origin, the
/// verifier key is published in the signed-note format, and openssl verifies the checkpoint's
/// Ed25519 signature with the published `release.pem`.
@Suite struct LogKeyTests {
    @Test(OutsideTool.needed("openssl")) func theCheckpointVerifiesWithTheSelfDescribingKeysAndOpenSSL() throws {
        guard OutsideTool.available("openssl") else { return }
        let night = try NightlyFixture("log-keys")
        let note = try String(contentsOfFile: night.releases + "/log/checkpoint", encoding: .utf8)
        let parts = note.components(separatedBy: "\n\n")
        let body = parts[0] + "\n"
        let origin = String(body.split(separator: "\n")[0])
        let signature = try #require(parts[1].split(separator: "\n").first.map(String.init))
        #expect(signature.hasPrefix("\u{2014} \(origin) "), "the key name is the origin: \(signature)")
        let verifier = try String(contentsOfFile: night.releases + "/log/verifier", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        // The key's base64 may itself hold '+': the name and the hash are the first two fields.
        let fields = verifier.split(separator: "+", maxSplits: 2).map(String.init)
        #expect(fields.count == 3 && fields[0] == origin, "\(verifier)")
        // The key hash in the verifier key is the one in the signature line, and is SHA-256(name ‖ \n ‖ 0x01 ‖ key)[0..<4].
        let blob = try #require(Data(base64Encoded: String(signature.split(separator: " ").last ?? "")))
        #expect(blob.prefix(4).map { String(format: "%02x", $0) }.joined() == fields[1])
        let check = try OutsideTool.run("python3", ["-c", """
            import base64, hashlib, sys
            name, keyhash, key = sys.argv[1].split('+', 2)
            raw = base64.b64decode(key)
            assert raw[0] == 1 and len(raw) == 33, 'an Ed25519 key with its algorithm byte'
            assert hashlib.sha256(name.encode() + b'\\n' + raw).digest()[:4].hex() == keyhash, 'key hash'
            print('ok')
            """, verifier])
        #expect(check.status == 0 && check.output.contains("ok"), "\(check.output)")
        let folder = TestSupport.temporaryFolder("openssl-note")
        try Data(body.utf8).write(to: URL(fileURLWithPath: folder + "/body"))
        try blob.dropFirst(4).write(to: URL(fileURLWithPath: folder + "/signature"))
        let openssl = try OutsideTool.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", night.releases + "/release.pem",
                                                      "-rawin", "-in", folder + "/body", "-sigfile", folder + "/signature"])
        #expect(openssl.status == 0 && openssl.output.contains("Signature Verified Successfully"), "\(openssl.output)")
    }

    /// `catalog/dcat-ap.jsonld` conforms to SEMIC's DCAT-AP 3.0.0 SHACL shapes (committed under
    /// Tests/Fixtures/dcat-ap-3.0.0 with their source), with relative and with absolute IRIs, and
    /// the snapshot signs it: an edited copy fails `verify`.
    @Test(OutsideTool.needed("pyshacl")) func theEuropeanCatalogConformsToTheDCATAPShapes() throws {
        guard OutsideTool.available("pyshacl") else { return }
        let night = try NightlyFixture("dcat-ap")
        let catalog = night.releases + "/catalog/dcat-ap.jsonld"
        let shapes = TestSupport.repositoryPath("Tests/Fixtures/dcat-ap-3.0.0/dcat-ap-SHACL.ttl")
        func conforms() throws -> (Bool, String) {
            let run = try OutsideTool.run("pyshacl", ["-i", "rdfs", "-s", shapes, "-df", "json-ld", catalog])
            return (run.status == 0 && run.output.contains("Conforms: True"), run.output)
        }
        let relative = try conforms()
        #expect(relative.0, "\(relative.1)")
        let result = try CLI.run(night.release + ["2026-11-22", "--base-url", "https://data.example.gov/police/"])
        #expect(result.status == 0, "\(result.stderr)")
        let absolute = try conforms()
        #expect(absolute.0, "\(absolute.1)")
        let text = try String(contentsOfFile: catalog, encoding: .utf8)
        #expect(text.contains("https://data.example.gov/police/catalog/calls-for-service/calls-by-beat.all.csv.gz"))
        #expect(text.contains("http://publications.europa.eu/resource/authority/frequency/DAILY"))
        #expect(text.contains("http://www.iana.org/assignments/media-types/application/gzip"))
        // A shape is really checked: a catalog without its title does not conform.
        try text.replacingOccurrences(of: "\"dct:title\":{\"@language\":\"en\",\"@value\":\"Open data releases\"},", with: "")
            .write(toFile: catalog, atomically: true, encoding: .utf8)
        let untitled = try conforms()
        #expect(!untitled.0, "\(untitled.1)")
        // And the snapshot signs the file: the edit is caught.
        let verify = try night.verify(night.releases + "/calls-for-service/2026-11-22")
        #expect(verify.status != 0 && (verify.stdout + verify.stderr).contains("dcat-ap.jsonld"), "\(verify.stdout + verify.stderr)")
    }
}
