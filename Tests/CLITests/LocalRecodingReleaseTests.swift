import Foundation
import Testing
import TestSupport

/// Local recoding on the real Milwaukee calls of May 2018 (33,968 rows): with one
/// generalisation for every record the location is removed everywhere; with local
/// recoding most calls keep their street, nobody is suppressed, and every published
/// group still holds at least k calls.
@Suite struct LocalRecodingReleaseTests {
    static func policy(recoding: String) -> String {
        """
        policy: 1
        dataset:
          id: mke-calls
          title: Milwaukee calls for service
          description: Calls for service of May 2018 as de-identified records.
          publisher: Test
          contact: test@example.org
          license: CC-BY-4.0
          keywords: [police]
          frequency: monthly
          guarantee: k_anonymity
        source:
          table: calls
          window_by: time
          timezone: America/Chicago
        retention:
          delete_after: 20 years
          measured_from: time
        columns:
          id: drop
          latitude: drop
          longitude: drop
          status: drop
          time:
            generalize: {time: [hour, day, week, month]}
          location:
            generalize: {street_block: [100, 1000]}
          district: keep
          nature: sensitive
        outputs:
          - id: calls
            title: Calls
            kind: microdata
            columns: [time, location, district, nature]
            k: 5
            max_suppression: 100%
            metric: loss
        \(recoding)
        budget:
          per_release_epsilon: 1
        """
    }

    /// Rows of the published CSV (fields split with quotes honoured).
    static func rows(_ gzip: String) throws -> [[String]] {
        let text = try OutsideTool.run("gzip", ["-dc", gzip]).output
        return text.split(separator: "\n").dropFirst().map { line in
            var fields: [String] = [], field = "", quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() } else if character == ",", !quoted { fields.append(field); field = "" } else { field.append(character) }
            }
            fields.append(field)
            return fields
        }
    }

    @Test func milwaukeeKeepsItsStreetsWithLocalRecoding() throws {
        let folder = TestSupport.temporaryFolder("mke-local")
        let keys = try CLI.run(["keys", "generate", "--out", folder + "/release", "--unencrypted"])
        #expect(keys.status == 0, "\(keys.stderr)")
        var shares: [String: Double] = [:]
        for (name, recoding) in [("global", ""), ("local", "    recoding: local\n    gs_factor: 0.25")] {
            let store = folder + "/\(name).sqlite"
            let imported = try CLI.run(["import", "--store", store, "--table", "calls", "--timezone", "America/Chicago",
                                        TestSupport.sharedPath("data/real-police/mke_calls_for_service_2018-05.csv")])
            #expect(imported.status == 0, "\(imported.stderr)")
            TestSupport.write(Self.policy(recoding: recoding), to: folder + "/\(name).yaml")
            let out = folder + "/Releases-\(name)"
            let release = try CLI.run(["release", "--store", store, "--key", folder + "/release.key", "--policy", folder + "/\(name).yaml",
                                       "--out", out, "--window", "2018-05-01..2018-05-21"])
            #expect(release.status == 0, "\(name): \(release.stderr)")
            let rows = try Self.rows(out + "/mke-calls/2018-05-01..2018-05-21/calls.csv.gz")
            let log = release.stdout + release.stderr
            var groups: [[String]: Int] = [:]
            for row in rows where row.count == 4 && !(row[0] == "*" && row[1] == "*") { groups[Array(row.prefix(3)), default: 0] += 1 }
            #expect(groups.values.allSatisfy { $0 >= 5 }, "\(name): a published group under k = 5")
            shares[name] = Double(rows.filter { $0.count == 4 && $0[1] != "*" }.count) / 33_968
            let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
                out + "/mke-calls/2018-05-01..2018-05-21/privacy-report.json"))) as? [String: Any])
            let microdata = try #require((report["microdata"] as? [[String: Any]])?.first)
            #expect(microdata["recoding"] as? String == name)
            // Suppressed calls are left out of the file.
            #expect(rows.count + (microdata["suppressed"] as? Int ?? -1) == 33_968, "\(name)")
            if name == "local" {
                #expect(microdata["suppressed"] as? Int == 0)
                #expect((microdata["local_recoding_rounds"] as? [[String: Any]])?.count ?? 0 >= 2)
                #expect(!log.contains("column location lost its value"), "\(log)")
            } else {
                #expect(log.contains("column location lost its value") && log.contains("recoding: local"), "\(log)")
            }
        }
        #expect(shares["global"] == 0, "full-domain generalisation removes the location of every call")
        #expect((shares["local"] ?? 0) > 0.6, "most calls keep their street: \(shares)")
    }

    /// Local recoding of a DP record file (whose guarantee needs one generalisation), and a gs_factor the metric ignores, are
    /// policy errors with their line; a misspelt mode gets a suggestion.
    @Test func misplacedRecodingOptionsAreRefused() throws {
        let folder = TestSupport.temporaryFolder("mke-recoding-check")
        let cases: [(String, String)] = [
            ("    recoding: local\n    privacy: {epsilon: 0.5, delta: 1.0e-6}", "recoding: local applies to k-anonymous record files"),
            ("    recoding: locale", "did you mean 'local'"),
        ]
        for (index, (extra, message)) in cases.enumerated() {
            let path = folder + "/case\(index).yaml"
            TestSupport.write(Self.policy(recoding: extra), to: path)
            let check = try CLI.run(["policy", "check", path])
            #expect(check.status != 0, "\(extra)")
            #expect((check.stdout + check.stderr).contains(message), "\(check.stdout + check.stderr)")
        }
        let entropy = Self.policy(recoding: "    gs_factor: 0.2").replacingOccurrences(of: "metric: loss", with: "metric: entropy")
        TestSupport.write(entropy, to: folder + "/entropy.yaml")
        let check = try CLI.run(["policy", "check", folder + "/entropy.yaml"])
        #expect(check.status != 0 && (check.stdout + check.stderr).contains("gs_factor weighs generalisation against suppression in the loss metric only"),
                "\(check.stdout + check.stderr)")
    }
}
