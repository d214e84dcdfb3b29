import Foundation
import GRDB
import Testing
import TestSupport

/// A missed night caught up later takes its place by window, not by publication: `latest`,
/// the snapshot, the stable downloads, the index and `status` keep naming the newest window,
/// the cumulative file runs in window order, and every release still verifies.
@Suite(.serialized) struct CatchUpNightTests {
    @Test(OutsideTool.needed("gzip")) func aCaughtUpNightDoesNotBecomeLatest() throws {
        guard OutsideTool.available("gzip") else { return }
        let folder = TestSupport.temporaryFolder("catch-up")
        let store = try NightlyFixture.publisherStore(in: folder, records: 3000, days: 3)
        let release = ["release", "--store", store, "--key", folder + "/demo/keys/release.key", "--pseudonym-key",
                       folder + "/demo/pseudonym.key", "--out", folder + "/Releases", "--policy",
                       folder + "/demo/Policies/calls-for-service.yaml", "--window"]
        // 2026-11-21 is missed, and caught up after 2026-11-22.
        for day in ["2026-11-20", "2026-11-22", "2026-11-21"] {
            let run = try CLI.run(release + [day])
            #expect(run.status == 0, "\(day): \(run.stderr)")
        }
        let dataset = folder + "/Releases/calls-for-service"
        #expect(try String(contentsOfFile: dataset + "/latest", encoding: .utf8) == "2026-11-22\n")
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/Releases/snapshot.json"))) as? [String: Any])
        let newest = try #require((snapshot["datasets"] as? [String: [String: String]])?["calls-for-service"])
        #expect(newest["release"] == "2026-11-22" && newest["sequence"] == "3")
        // The stable "latest" download is the newest window's file, byte for byte.
        let latestFile = try Data(contentsOf: URL(fileURLWithPath: folder + "/Releases/catalog/calls-for-service/calls-by-beat.latest.csv.gz"))
        #expect(latestFile == (try Data(contentsOf: URL(fileURLWithPath: dataset + "/2026-11-22/calls-by-beat.csv.gz"))))
        // The cumulative file runs in window order.
        let all = try OutsideTool.run("gzip", ["-dc", folder + "/Releases/catalog/calls-for-service/calls-by-beat.all.csv.gz"]).output
        let windows = all.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
        #expect(windows == windows.sorted() && Set(windows) == ["2026-11-20", "2026-11-21", "2026-11-22"], "\(Set(windows))")
        // The index names the newest window as latest, and every release verifies, the caught-up one too.
        let index = try String(contentsOfFile: folder + "/Releases/index.html", encoding: .utf8)
        #expect(index.contains("2026-11-22"))
        for day in ["2026-11-20", "2026-11-21", "2026-11-22"] {
            let verified = try CLI.run(["verify", dataset + "/" + day, "--key", folder + "/demo/keys/release.pub"])
            #expect(verified.status == 0, "\(day): \(verified.stdout) \(verified.stderr)")
        }
        let status = try CLI.run(["status", "--state", folder + "/Releases.private/state.sqlite"])
        #expect(status.stdout.contains("last release 2026-11-22") && status.stdout.contains("next window 2026-11-23"), "\(status.stdout)")
    }

    /// The real Milwaukee export (May 1–21, 2018) released night by night, a missed night caught up at the end:
    /// the newest window stays latest, and the cumulative file and the dashboard run in window order.
    @Test(OutsideTool.needed("gzip")) func theMilwaukeeMonthWithAMissedNight() throws {
        guard OutsideTool.available("gzip") else { return }
        let folder = TestSupport.temporaryFolder("mke-catch-up")
        let imported = try CLI.run(["import", "--store", folder + "/mke.sqlite", "--table", "calls", "--timezone", "America/Chicago",
                                    TestSupport.sharedPath("data/real-police/mke_calls_for_service_2018-05.csv")])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try CLI.run(["keys", "generate", "--out", folder + "/release", "--unencrypted"]).status == 0)
        TestSupport.write("""
            policy: 1
            dataset:
              id: mke-calls
              title: Milwaukee calls for service
              description: Calls per district per day, with differential privacy.
              publisher: Test
              contact: test@example.org
              license: CC-BY-4.0
            source:
              table: calls
              window_by: time
              timezone: America/Chicago
            columns:
              id: drop
              location: drop
              latitude: drop
              longitude: drop
              status: drop
              nature: drop
              time:
                generalize: {time: [day, month]}
              district: keep
            outputs:
              - id: calls-by-district
                kind: aggregate
                group_by: [district, {time: day}]
                keys: {district: private}
                statistics: [count]
                privacy: {epsilon: 1.0, delta: 1.0e-6}
            budget:
              per_release_epsilon: 1.0
            """, to: folder + "/mke.yaml")
        let release = ["release", "--store", folder + "/mke.sqlite", "--key", folder + "/release.key", "--policy", folder + "/mke.yaml",
                       "--out", folder + "/Releases", "--window"]
        // Every night of the export (May 1 to 21) but the 10th, which is caught up last.
        let nights = (1...21).map { String(format: "2018-05-%02d", $0) }
        for day in nights.filter({ $0 != "2018-05-10" }) + ["2018-05-10"] {
            let night = try CLI.run(release + [day])
            #expect(night.status == 0, "\(day): \(night.stderr)")
        }
        let dataset = folder + "/Releases/mke-calls"
        #expect(try String(contentsOfFile: dataset + "/latest", encoding: .utf8) == "2018-05-21\n")
        let all = try OutsideTool.run("gzip", ["-dc", folder + "/Releases/catalog/mke-calls/calls-by-district.all.csv.gz"]).output
        let windows = all.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
        #expect(windows == windows.sorted() && Set(windows).count == 21, "\(Set(windows).sorted())")
        let dashboard = try String(contentsOfFile: folder + "/Releases/catalog/mke-calls/index.html", encoding: .utf8)
        #expect(dashboard.contains("21 releases from 2018-05-01 to 2018-05-21"), "the dashboard runs in window order")
        for day in ["2018-05-01", "2018-05-10", "2018-05-21"] {
            #expect(try CLI.run(["verify", dataset + "/" + day, "--key", folder + "/release.pub"]).status == 0, "\(day)")
        }
    }
}
