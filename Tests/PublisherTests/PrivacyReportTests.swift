import Demo
import Foundation
@testable import PublicSite
import OperationalStore
import Testing
import TestSupport
@testable import Publisher

/// Every release explains itself: a JSON and a self-contained HTML privacy report.
@Suite struct PrivacyReportTests {
    @Test func releasesCarryReportsThatStateWhatWasDone() throws {
        let workdir = TestSupport.temporaryFolder("report")
        let end = try #require(ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z"))
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 6000, days: 1, seed: 6, end: end),
                                               policiesFolder: nil)) { _ in }
        let folder = try #require(report.releases.first { $0.contains("calls-for-service") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/privacy-report.json"))) as? [String: Any])
        #expect((json["columns"] as? [String: [String]])?["drop"]?.contains("caller_name") == true)
        let microdata = try #require((json["microdata"] as? [[String: Any]])?.first)
        // A differentially private record file: its k is derived from (ε, δ), and nothing exact about the
        // sample (how many were drawn or suppressed, risk or loss of the sample) is published.
        let privacy = try #require(microdata["differential_privacy"] as? [String: Any])
        #expect(privacy["epsilon"] as? Double == 0.5 && privacy["delta"] as? Double == 1e-6)
        #expect(microdata["k"] as? Int == 61, "a month's first night: 2% of ε counts the people, 30% chooses the generalisation, 0.34 samples")
        #expect(privacy["epsilon_count"] as? Double == 0.01 && privacy["epsilon_search"] as? Double == 0.15)
        for exact in ["suppressed", "highest_prosecutor_risk", "average_prosecutor_risk", "information_loss"] {
            #expect(microdata[exact] == nil, "\(exact) is an exact figure of the sample")
        }
        let guarantee = try #require(json["guarantee"] as? [String: Any])
        #expect(guarantee["kind"] as? String == "differential_privacy")
        #expect(guarantee["membership_hidden"] as? Bool == true)
        // Retention ran, but its exact counts stay out of the published folder.
        let retention = try #require(json["retention"] as? [String: Any])
        #expect(retention["deleted"] == nil && retention["held"] == nil)
        // A k-anonymity-only dataset says so, and never that membership is hidden.
        let complaints = try #require(report.releases.first { $0.contains("complaints") })
        let complaintsReport = try String(contentsOfFile: complaints + "/privacy-report.json", encoding: .utf8)
        #expect(complaintsReport.contains("\"membership_hidden\":false"))
        #expect(complaintsReport.contains("k-anonymity only"))
        let aggregates = try #require(json["aggregates"] as? [[String: Any]])
        #expect(aggregates.map { $0["output"] as? String } == ["calls-by-district-day", "calls-by-type", "calls-by-beat",
                                                               "calls-by-beat-monthly", "response-target-by-district"])
        let disparity = try #require(aggregates.last?["disparity"] as? [String: Any])
        #expect(disparity["compared"] as? String == "district" && disparity["reference"] as? String == "overall")
        #expect((disparity["method"] as? String)?.contains("parametric bootstrap") == true)
        let statistics = try #require(aggregates.first?["statistics"] as? [[String: Any]])
        #expect(statistics.allSatisfy { $0["margin_of_error_95"] is Double && $0["noise"] is [String: Any] })
        let budget = try #require(json["budget"] as? [String: Any])
        #expect(budget["release_epsilon"] as? Double == 2.75, "the record file is charged with the tables")
        #expect(budget["rolling_365_day_cap"] as? Double == 60.0)
        #expect((json["policy_explained"] as? [String])?.isEmpty == false)

        let html = try String(contentsOfFile: folder + "/privacy-report.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<html lang=\"en\">"))
        #expect(html.contains("<svg role=\"img\""))
        #expect(html.contains("<title id="), "charts carry a text alternative")
        #expect(html.contains("<caption>"))
        #expect(html.contains("@media print"))
        for forbidden in ["<script", "src=", "href=\"http", "url(", "@import", "<link"] {
            #expect(!html.contains(forbidden), "the report must load nothing: found \(forbidden)")
        }
        // The reports are listed and signed like every other file.
        let manifest = try String(contentsOfFile: folder + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("privacy-report.html") && manifest.contains("privacy-report.json"))
    }
}
