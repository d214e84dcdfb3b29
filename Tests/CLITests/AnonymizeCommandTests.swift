import Foundation
import Testing
import TestSupport

/// `opendata anonymize` on ARX's Adult data, as a user runs it.
@Suite struct AnonymizeCommandTests {
    @Test func adultKFiveFromTheCommandLine() throws {
        let folder = TestSupport.temporaryFolder("cli-anon")
        let data = TestSupport.sharedPath("data/arx-adult")
        let result = try CLI.run(["anonymize", "--csv", data + "/adult.csv", "--hierarchies", data, "--k", "5",
                                  "--suppression", "4%", "--out", folder + "/out.csv", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["transformation"] as? [Int] == [1, 0, 1, 1, 3, 2, 2, 0, 1])
        #expect((object["loss"] as? Double).map { abs($0 - 255559.85455731067) < 1e-6 } == true)
        #expect(object["quasi_identifiers"] as? [String] == ["sex", "age", "race", "marital-status", "education",
                                                              "native-country", "workclass", "occupation", "salary-class"])

        // The written file is 5-anonymous apart from the suppressed rows, and ';'-separated like its input.
        let text = try String(contentsOfFile: folder + "/out.csv", encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "sex;age;race;marital-status;education;native-country;workclass;occupation;salary-class")
        #expect(lines.count == 30_163)
        var classes: [String: Int] = [:]
        for line in lines.dropFirst() { classes[line, default: 0] += 1 }
        let suppressed = classes[Array(repeating: "*", count: 9).joined(separator: ";")] ?? 0
        #expect(suppressed == object["suppressed"] as? Int)
        #expect(classes.filter { !$0.key.hasPrefix("*;*;*") }.values.allSatisfy { $0 >= 5 })
    }

    @Test func columnsWithoutAHierarchyMustBeNamed() throws {
        let data = TestSupport.sharedPath("data/real-police")
        let empty = TestSupport.temporaryFolder("no-hierarchies")
        let csv = data + "/mke_calls_for_service_2018-05.csv"
        // The real Milwaukee calls without hierarchies: nothing passes through unnamed.
        let refused = try CLI.run(["anonymize", "--csv", csv, "--hierarchies", empty, "--k", "5"])
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stderr.contains("id, time, location, latitude, longitude, district, nature, status have no hierarchy"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        // Named, the run goes on: coordinates and the exact location dropped, the rest judged.
        let districts = ["1", "2", "3", "4", "5", "6", "7", "CIB", "CITY", "DPR", "FI", "ICS1", "NTF", "OCOE", "OUT", "SCD", "SPD"]
        TestSupport.write(districts.map { "\($0);*\n" }.joined(), to: empty + "/district.csv")
        let named = try CLI.run(["anonymize", "--csv", csv, "--hierarchies", empty, "--k", "5", "--drop", "id", "--drop", "location",
                                 "--drop", "latitude", "--drop", "longitude", "--drop", "time", "--keep", "status",
                                 "--sensitive", "nature", "--json", "--out", empty + "/out.csv"])
        #expect(named.status == 0, "\(named.stderr)")
        let header = try String(contentsOfFile: empty + "/out.csv", encoding: .utf8).split(separator: "\n").first.map(String.init)
        #expect(header == "district,nature,status", "dropped columns are not written")
        let unknown = try CLI.run(["anonymize", "--csv", csv, "--hierarchies", empty, "--k", "5", "--keep", "nosuch"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no column 'nosuch'"), "\(unknown.stderr)")
    }

    /// `--recoding local` from the command line: Adult at k = 10 with every record published, the
    /// rounds in the JSON, the written file 10-anonymous.
    @Test func localRecodingFromTheCommandLine() throws {
        let folder = TestSupport.temporaryFolder("cli-local")
        let data = TestSupport.sharedPath("data/arx-adult")
        let result = try CLI.run(["anonymize", "--csv", data + "/adult.csv", "--hierarchies", data, "--k", "10", "--suppression", "100%",
                                  "--metric", "loss", "--recoding", "local", "--json", "--out", folder + "/out.csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["recoding"] as? String == "local")
        #expect(object["suppressed"] as? Int == 0)
        let rounds = try #require(object["rounds"] as? [[String: Any]])
        #expect(rounds.count >= 2 && rounds.reduce(0) { $0 + ($1["records"] as? Int ?? 0) } == 30_162)
        #expect((object["loss"] as? Double ?? 1) < (object["full_domain_loss"] as? Double ?? 0))
        let lines = try String(contentsOfFile: folder + "/out.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        var classes: [Substring: Int] = [:]
        for line in lines { classes[line, default: 0] += 1 }
        #expect(lines.count == 30_162 && classes.values.allSatisfy { $0 >= 10 })
        let bad = try CLI.run(["anonymize", "--csv", data + "/adult.csv", "--hierarchies", data, "--k", "10", "--recoding", "locale"])
        #expect(bad.status != 0 && bad.stderr.contains("recoding"), "\(bad.stderr)")
    }

    @Test func lDiversityMakesTheColumnSensitive() throws {
        let data = TestSupport.sharedPath("data/arx-adult")
        let result = try CLI.run(["anonymize", "--csv", data + "/adult.csv", "--hierarchies", data, "--k", "1",
                                  "--suppression", "0.04", "--l-diversity", "occupation:5:entropy", "--metric", "entropy-nm"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("optimal transformation: [1,0,1,1,2,2,2,1]"))
        #expect(result.stdout.contains("information loss (entropy-nm): 228878.20391"))
        #expect(!result.stdout.contains("quasi-identifiers: sex, age, race, marital-status, education, native-country, workclass, occupation"))
    }

    @Test func badOptionsAreUsageErrors() throws {
        let data = TestSupport.sharedPath("data/arx-adult")
        let result = try CLI.run(["anonymize", "--csv", data + "/adult.csv", "--hierarchies", data, "--k", "5", "--metric", "entrpy"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--metric must be one of"))
        let bad = try CLI.run(["anonymize", "--csv", data + "/adult.csv", "--hierarchies", data, "--k", "5", "--l-diversity", "occupation"])
        #expect(bad.status == 2)
    }
}
