import Foundation
import Testing
import TestSupport

/// A real browser renders the privacy report, the index and each dataset's dashboard: not
/// blank, nothing fetched from any network, and no accessibility violation axe-core can find.
@Suite struct BrowserTests {
    @Test(OutsideTool.needed("chromium"), OutsideTool.requires(Chromium.axeScript() != nil, "axe-core (pip install axe-playwright-python --no-deps)"))
    func chromiumRendersThePagesWithoutNetworkAccessOrAccessibilityViolations() throws {
        guard OutsideTool.available("chromium") else { return }
        let folder = TestSupport.temporaryFolder("browser")
        let demo = try CLI.run(["demo", "--workdir", folder, "--records", "3000", "--days", "2", "--seed", "4"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let release = try #require(demo.stdout.split(separator: "\n").last { $0.hasPrefix("  release ") && $0.contains("calls-for-service") }
            .map { String($0.dropFirst("  release ".count)) })
        let releases = ((release as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let pages = [("report", release + "/privacy-report.html"), ("index", releases + "/index.html")]
            + ["calls-for-service", "complaints", "community-engagement"].map { ("dashboard-\($0)", releases + "/catalog/\($0)/index.html") }
        let proxy = try Chromium.Proxy(folder: folder)
        for (name, page) in pages {
            let size = try Chromium.screenshot(page, to: folder + "/\(name).png", proxy: proxy, height: name.hasPrefix("dashboard") ? 4000 : 1400)
            #expect(size > 30_000, "\(name): a blank page compresses to a few kilobytes; got \(size) bytes")
        }
        #expect(proxy.pageRequests.isEmpty, "the pages fetched: \(proxy.pageRequests)")
        // The dashboards show what they promise.
        let calls = try String(contentsOfFile: releases + "/catalog/calls-for-service/index.html", encoding: .utf8)
        #expect(calls.contains("id=\"map-heading\"") && calls.contains("<path d=\"M"), "the calls dashboard has its district map")
        #expect(calls.contains("calls-for-service-trends") && calls.contains("<polygon points="), "trends with 95% bands")
        let complaints = try String(contentsOfFile: releases + "/catalog/complaints/index.html", encoding: .utf8)
        #expect(complaints.contains("complaints-equity") && complaints.contains("All 2 releases together"), "the equity section pools releases")
        #expect(complaints.contains("correlation, not a cause"))
        #expect(!calls.contains("<script") && !complaints.contains("<script"), "no scripts")

        guard let axe = Chromium.axeScript() else {
            Issue.record("axe-core is required under CI (pip install axe-playwright-python --no-deps)")
            return
        }
        for (name, page) in pages {
            let violations = try Chromium.axeViolations(page, axe: axe)
            #expect(violations.isEmpty, "\(name): \(violations)")
        }
    }
}
