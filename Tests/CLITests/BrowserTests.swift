import Foundation
import Testing
import TestSupport

/// A real browser renders the privacy report: not blank, and nothing fetched from any network.
@Suite struct BrowserTests {
    @Test func chromiumRendersTheReportAndIndexWithoutNetworkAccess() throws {
        guard OutsideTool.available("chromium") else { return }
        let folder = TestSupport.temporaryFolder("browser")
        let demo = try CLI.run(["demo", "--workdir", folder, "--records", "3000", "--days", "1", "--seed", "4"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let release = try #require(demo.stdout.split(separator: "\n").first { $0.hasPrefix("  release ") && $0.contains("calls-for-service") }
            .map { String($0.dropFirst("  release ".count)) })
        // Every request the page makes would go through this logging proxy on loopback.
        let proxyLog = folder + "/proxy.log"
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: OutsideTool.path("python3") ?? "/usr/bin/python3")
        proxy.arguments = ["-c", """
            import socket, sys
            server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen(16)
            open(sys.argv[1] + '.port', 'w').write(str(server.getsockname()[1]))
            server.settimeout(60)
            try:
                while True:
                    connection, _ = server.accept()
                    request = connection.recv(4096).split(b'\\r\\n')[0]
                    open(sys.argv[1], 'ab').write(request + b'\\n')
                    connection.close()
            except socket.timeout:
                pass
            """, proxyLog]
        try proxy.run()
        defer { proxy.terminate() }
        var port = ""
        for _ in 0..<50 where port.isEmpty {
            usleep(100_000)
            port = (try? String(contentsOfFile: proxyLog + ".port", encoding: .utf8)) ?? ""
        }
        // The release's privacy report, and the public index of all releases.
        let index = ((release as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent + "/index.html"
        for (name, page) in [("report", release + "/privacy-report.html"), ("index", index)] {
            let screenshot = folder + "/\(name).png"
            let result = try OutsideTool.run("chromium", [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--no-first-run", "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
                "--proxy-server=http://127.0.0.1:\(port)",
                "--proxy-bypass-list=<-loopback>", "--screenshot=\(screenshot)", "--window-size=1000,1400",
                "file://\(page)",
            ])
            #expect(FileManager.default.fileExists(atPath: screenshot), "\(result.output)")
            let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
            #expect(size > 30_000, "\(name): a blank page compresses to a few kilobytes; got \(size) bytes")
        }
        // Chromium's own update and time services may call home whatever page is open; anything else is the page's.
        let browserServices = ["googleapis.com", "google.com", "gstatic.com", "gvt1.com"]
        let requests = ((try? String(contentsOfFile: proxyLog, encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { line in !browserServices.contains { line.contains($0) } }
        #expect(requests.isEmpty, "the report fetched: \(requests)")
    }
}
