import Foundation
import Testing
import TestSupport

/// The command-line contract of DESIGN.md: exit codes, one-line errors, JSON logs.
@Suite(.serialized) struct CommandLineTests {
    @Test func helpTeachesAndUsageErrorsExitTwo() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        for command in ["demo", "import", "policy", "retention"] { #expect(help.stdout.contains(command)) }
        let importHelp = try CLI.run(["import", "--help"])
        #expect(importHelp.stdout.contains("Examples:") && importHelp.stdout.contains("--append"))
        let unknown = try CLI.run(["import", "--stor", "x.sqlite"])
        #expect(unknown.status == 2)
        #expect(!unknown.stderr.isEmpty)
        let missing = try CLI.run(["policy", "check"])
        #expect(missing.status == 2)
    }

    @Test func policyCheckPrintsEveryProblemCompilerStyle() throws {
        let folder = TestSupport.temporaryFolder("cli-policy")
        var text = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "  channel: keep", with: "  channel: kep")
            .replacingOccurrences(of: "  license: CC-BY-4.0", with: "  licence: CC-BY-4.0")
        TestSupport.write(text, to: folder + "/bad.yaml")
        let mixed = TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml")
        let result = try CLI.run(["policy", "check", folder + "/bad.yaml", TestSupport.sharedPath("fixtures/policies/calls-for-service-dp.yaml"), mixed])
        #expect(result.status == 1)
        // Errors only: warnings (a valid policy's forecast) have their own lines, marked as such.
        let lines = result.stderr.split(separator: "\n").map(String.init).filter { !$0.contains(": warning: ") }
        #expect(lines.count >= 3)
        for line in lines {
            #expect(line.range(of: "^(\(folder)/bad.yaml|\(mixed)):[0-9]+:[0-9]+: ", options: .regularExpression) != nil, "\(line)")
        }
        // The reference policy that mixes plain records with DP tables parses, and is refused for the mix.
        #expect(lines.contains { $0.hasPrefix(mixed + ":") && $0.contains("plain k-anonymous records of the same rows") })
        #expect(lines.contains { $0.contains("unknown key 'licence'; did you mean 'license'?") })
        #expect(lines.contains { $0.contains("unknown treatment 'kep'; did you mean 'keep'?") })
        #expect(result.stdout.contains("calls-for-service-dp.yaml: ok"))
        #expect(!result.stdout.contains("/calls-for-service.yaml: ok"))
    }

    /// Two files over one table are one publication: a second cap for the same callers and plain
    /// records beside the reference DP policy are refused, each at its line, naming the other file.
    @Test func policyCheckComparesFilesOverTheSamePeople() throws {
        let folder = TestSupport.temporaryFolder("cli-policy-population")
        let dp = TestSupport.sharedPath("fixtures/policies/calls-for-service-dp.yaml")
        let hierarchies = TestSupport.sharedPath("fixtures/policies/hierarchies")
        let text = try String(contentsOfFile: dp, encoding: .utf8).replacingOccurrences(of: "hierarchies/", with: hierarchies + "/")
        TestSupport.write(text.replacingOccurrences(of: "  id: calls-for-service ", with: "  id: calls-again ")
            .replacingOccurrences(of: "table: calls ", with: "table: CALLS ")
            .replacingOccurrences(of: "rolling_365_day_epsilon: 60.0", with: "rolling_365_day_epsilon: 1000"), to: folder + "/capped.yaml")
        let capped = try CLI.run(["policy", "check", dp, folder + "/capped.yaml"])
        #expect(capped.status == 1)
        #expect(capped.stderr.contains(folder + "/capped.yaml:") && capped.stderr.contains("rolling_365_day_epsilon") && capped.stderr.contains(dp), "\(capped.stderr)")
        #expect(capped.stderr.split(separator: "\n").filter { !$0.contains(": warning: ") }.count == 1, "one line per problem: \(capped.stderr)")
        // Plain k-anonymous records of the same callers, declared k_anonymity on their own: fine alone, refused beside the DP file.
        let plain = text.replacingOccurrences(of: "  id: calls-for-service ", with: "  id: calls-records ")
            .replacingOccurrences(of: "  frequency: daily\n", with: "  frequency: daily\n  guarantee: k_anonymity\n")
            .replacingOccurrences(of: "    privacy: {epsilon: 0.5, delta: 1.0e-6}   # DP record-level release (SafePub-style): sampled, then k-anonymised\n", with: "")
        TestSupport.write(plain, to: folder + "/plain.yaml")
        #expect(try CLI.run(["policy", "check", folder + "/plain.yaml"]).status == 0)
        let mixed = try CLI.run(["policy", "check", dp, folder + "/plain.yaml"])
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains(folder + "/plain.yaml:") && mixed.stderr.contains("plain k-anonymous records of population calls.caller_id"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains(dp + ":"), "the DP file is told too: \(mixed.stderr)")
    }

    /// Misspelt commands and options are named with the nearest real one (exit 2), before anything runs.
    @Test func misspellingsAreSuggested() throws {
        let command = try CLI.run(["relase", "--store", "x.sqlite"])
        #expect(command.status == 2 && command.stderr.contains("unknown command 'relase'; did you mean 'release'?"), "\(command.stderr)")
        let option = try CLI.run(["release", "--polcy", "p.yaml", "--store", "x.sqlite", "--key", "k"])
        #expect(option.status == 2 && option.stderr.contains("unknown option '--polcy'; did you mean '--policy'?"), "\(option.stderr)")
        let nested = try CLI.run(["policy", "chek", "p.yaml"])
        #expect(nested.status == 2 && nested.stderr.contains("did you mean 'check'?"), "\(nested.stderr)")
        #expect(command.stderr.split(separator: "\n").count == 1 && option.stderr.split(separator: "\n").count == 1)
    }

    /// An export wider than SQLite allows is refused in one short line saying why, not with the
    /// whole CREATE TABLE statement, and leaves no store behind.
    @Test func aTooWideExportIsRefusedInOneLine() throws {
        let folder = TestSupport.temporaryFolder("cli-wide")
        let header = (0..<5000).map { "c\($0)" }.joined(separator: ",")
        let row = (0..<5000).map { String($0) }.joined(separator: ",")
        TestSupport.write(header + "\n" + row + "\n", to: folder + "/wide.csv")
        let run = try CLI.run(["import", "--store", folder + "/wide.sqlite", "--table", "wide", folder + "/wide.csv"])
        #expect(run.status != 0)
        #expect(run.stderr.count < 400 && run.stderr.contains("2,000 columns"), "\(run.stderr.prefix(500))")
        #expect(!FileManager.default.fileExists(atPath: folder + "/wide.sqlite"))
    }

    /// `keys generate --out NAME` writes into the current folder (it used to crash in a path helper).
    @Test func keysWithABareNameAreWrittenHere() throws {
        let folder = TestSupport.temporaryFolder("cli-bare-key")
        let made = try CLI.run(["keys", "generate", "--out", "k", "--unencrypted"], in: folder)
        #expect(made.status == 0, "\(made.stderr)")
        for suffix in ["key", "pub", "pem"] { #expect(FileManager.default.fileExists(atPath: folder + "/k." + suffix)) }
    }

    /// A refused first run leaves nothing behind: no empty store, no empty output or private folder.
    @Test func aRefusedFirstRunLeavesNoLeftovers() throws {
        let folder = TestSupport.temporaryFolder("cli-leftovers")
        TestSupport.write("id,received_at\n1,2026-12-01 08:00:00\n2,not-a-number-row-with,too,many\n", to: folder + "/bad.csv")
        let imported = try CLI.run(["import", "--store", folder + "/new.sqlite", "--table", "calls", folder + "/bad.csv"])
        #expect(imported.status != 0)
        #expect(!FileManager.default.fileExists(atPath: folder + "/new.sqlite"), "an empty store was left")
        let keys = try CLI.run(["keys", "generate", "--out", folder + "/k", "--unencrypted"])
        #expect(keys.status == 0)
        let demoPolicy = TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml")
        TestSupport.write("interaction_id,occurred_at\n1,2026-12-01T08:00:00Z\n", to: folder + "/e.csv")
        #expect(try CLI.run(["import", "--store", folder + "/e.sqlite", "--table", "engagement_logs", folder + "/e.csv"]).status == 0)
        let refused = try CLI.run(["release", "--store", folder + "/e.sqlite", "--key", folder + "/k.key", "--policy", demoPolicy,
                                   "--out", folder + "/Out", "--window", "2026-12-01"])
        #expect(refused.status == 1, "the policy does not match the table: \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/Out"), "an empty output folder was left")
        #expect(!FileManager.default.fileExists(atPath: folder + "/Out.private"), "an empty private folder was left")
    }

    /// A wrong passphrase is a key the run may not use: refused (exit 3), not a usage error.
    @Test func aWrongPassphraseIsRefused() throws {
        let folder = TestSupport.temporaryFolder("cli-wrong-passphrase")
        let made = try CLI.run(["keys", "generate", "--out", folder + "/k"], environment: ["OPENDATA_KEY_PASSPHRASE": "right one"])
        #expect(made.status == 0, "\(made.stderr)")
        TestSupport.write("interaction_id,occurred_at\n1,2026-12-01T08:00:00Z\n", to: folder + "/e.csv")
        #expect(try CLI.run(["import", "--store", folder + "/e.sqlite", "--table", "t", folder + "/e.csv"]).status == 0)
        let run = try CLI.run(["release", "--store", folder + "/e.sqlite", "--key", folder + "/k.key", "--policy",
                               TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"), "--out", folder + "/Out", "--window", "2026-12-01"],
                              environment: ["OPENDATA_KEY_PASSPHRASE": "wrong one"])
        #expect(run.status == 3 && run.stderr.contains("wrong passphrase") && !run.stderr.contains("wrong one"), "\(run.stderr)")
    }

    @Test func importReportsTypesAndJSONLogsParse() throws {
        let folder = TestSupport.temporaryFolder("cli-import")
        let result = try CLI.run(["import", "--store", folder + "/s.sqlite", "--table", "mke",
                                  TestSupport.sharedPath("data/real-police/mke_calls_for_service_2018-05.csv"), "--log-format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 10)
        // The days the export covers (its first and last local day), recorded for releases to check.
        #expect(objects.contains { $0["column"] as? String == "time" && $0["covers"] as? String == "2018-05-01..2018-05-21" })
        // Typed JSON: counts are numbers, flags booleans.
        #expect(objects.first?["rows"] as? Int == 33968)
        #expect(objects.first?["gzip"] as? Bool == false)
        #expect(objects.contains { $0["column"] as? String == "time" && $0["type"] as? String == "datetime" })

        TestSupport.write("a,b\n1,2\n3\n", to: folder + "/bad.csv")
        let bad = try CLI.run(["import", "--store", folder + "/s.sqlite", "--table", "bad", folder + "/bad.csv"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "\(folder)/bad.csv:3: row has 1 fields, the header has 2; nothing was imported\n")
    }

    @Test func demoThenRetentionDryRun() throws {
        let folder = TestSupport.temporaryFolder("cli-demo")
        let demo = try CLI.run(["demo", "--workdir", folder, "--records", "2000", "--days", "1", "--seed", "5"])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("calls-for-service: window"))
        let again = try CLI.run(["demo", "--workdir", folder, "--records", "2000"])
        #expect(again.status == 4, "the demo never overwrites a store")
        let dry = try CLI.run(["retention", "--store", folder + "/store.sqlite", "--policy", folder + "/Policies/complaints.yaml",
                               "--dry-run", "--now", "2040-01-01"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("complaints: would delete"))
        let check = try CLI.run(["policy", "check", "--store", folder + "/store.sqlite", folder + "/Policies/complaints.yaml",
                                 TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml")])
        #expect(check.status == 1)
        #expect(check.stderr.contains("source.table 'calls' does not exist in the store"))
        // Anyone with the key rebuilds the stable downloads from the signed releases: identical, then an edit is named.
        let rebuild = try CLI.run(["rebuild", "--out", folder + "/Releases", "--key", folder + "/keys/release.pub"])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stdout.contains("files rebuilt from") && rebuild.stdout.contains("identical"))
        let chain = folder + "/Releases/catalog/complaints/complaints-by-allegation.all.chain.jsonl"
        var lines = try String(contentsOfFile: chain, encoding: .utf8)
        lines += lines.split(separator: "\n").last.map { $0 + "\n" } ?? ""
        try lines.write(toFile: chain, atomically: true, encoding: .utf8)
        let edited = try CLI.run(["rebuild", "--out", folder + "/Releases", "--key", folder + "/keys/release.pub"])
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("FAIL catalog/complaints/complaints-by-allegation.all.chain.jsonl differs from its rebuild"), "\(edited.stderr)")
    }

    /// Import streams: a million rows import without holding them in memory.
    @Test func aMillionRowImportStaysSmall() throws {
        let folder = TestSupport.temporaryFolder("cli-million")
        let path = folder + "/big.csv"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.write(Data("id,received_at,address,note\n".utf8))
        var chunk = ""
        for i in 1...1_000_000 {
            chunk += "\(i),2026-11-22T10:\(i % 60 < 10 ? "0" : "")\(i % 60):00Z,\(i % 9000 + 100) N MAIN ST,\"note, \(i)\"\n"
            if i % 50_000 == 0 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.close()
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let result = try CLI.run(["import", "--store", folder + "/s.sqlite", "--table", "big", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("imported 1000000 of 1000000 rows into big"))
        // Holding the rows would take several times the file's size; streaming stays well under it.
        #expect(result.peakMemory > 0 && result.peakMemory < size, "peak \(result.peakMemory) bytes for a \(size)-byte file")
    }
}
