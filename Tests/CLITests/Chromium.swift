import Foundation
import Testing
import TestSupport

/// Headless Chromium for the page tests: a screenshot with every request sent to a logging
/// proxy on loopback (so a page that fetches anything is caught), and axe-core's accessibility
/// rules run inside the page.
enum Chromium {
    /// Chromium's own update and time services may call home whatever page is open; any other
    /// request the proxy logs is the page's.
    static let browserServices = ["googleapis.com", "google.com", "gstatic.com", "gvt1.com"]

    static let quietFlags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", "--disable-default-apps", "--no-first-run",
                             "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate"]

    /// A loopback proxy that logs the first line of every request made through it.
    final class Proxy {
        let log: String
        let port: String
        private let process: Process

        init(folder: String) throws {
            log = folder + "/proxy.log"
            process = Process()
            process.executableURL = URL(fileURLWithPath: OutsideTool.path("python3") ?? "/usr/bin/python3")
            process.arguments = ["-c", """
                import socket, sys
                server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen(16)
                open(sys.argv[1] + '.port', 'w').write(str(server.getsockname()[1]))
                server.settimeout(120)
                try:
                    while True:
                        connection, _ = server.accept()
                        request = connection.recv(4096).split(b'\\r\\n')[0]
                        open(sys.argv[1], 'ab').write(request + b'\\n')
                        connection.close()
                except socket.timeout:
                    pass
                """, log]
            try process.run()
            var port = ""
            for _ in 0..<50 where port.isEmpty {
                usleep(100_000)
                port = (try? String(contentsOfFile: log + ".port", encoding: .utf8)) ?? ""
            }
            self.port = port
        }

        deinit { process.terminate() }

        /// The requests logged that are not Chromium's own services.
        var pageRequests: [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                .filter { line in !Chromium.browserServices.contains { line.contains($0) } }
        }
    }

    /// Renders `page` to `screenshot` through `proxy`; returns the screenshot's size in bytes.
    static func screenshot(_ page: String, to screenshot: String, proxy: Proxy, height: Int = 1400) throws -> Int {
        let result = try OutsideTool.run("chromium", quietFlags + [
            "--proxy-server=http://127.0.0.1:\(proxy.port)", "--proxy-bypass-list=<-loopback>",
            "--screenshot=\(screenshot)", "--window-size=1000,\(height)", "file://\(page)",
        ])
        #expect(FileManager.default.fileExists(atPath: screenshot), "\(result.output)")
        return (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
    }

    /// The axe-core script shipped in the axe-playwright-python wheel (MPL-2.0), if installed.
    static func axeScript() -> String? {
        guard let result = try? OutsideTool.run("python3", ["-c", """
            import importlib.util, os
            spec = importlib.util.find_spec('axe_playwright_python')
            print(os.path.join(os.path.dirname(spec.origin), 'axe.min.js') if spec else '')
            """]), result.status == 0 else { return nil }
        let path = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// axe-core's violations on `page` (WCAG 2.0/2.1 A and AA and best practices), each as
    /// "rule: help (n elements)". A copy of the page gets axe inlined (so nothing is fetched) and
    /// a runner that writes the result into the DOM, which `--dump-dom` prints once axe finished.
    static func axeViolations(_ page: String, axe: String) throws -> [String] {
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let runner = """
            <script>\(axe)</script>
            <script>
            axe.run(document, {resultTypes: ['violations']}).then(function (results) {
              var out = document.createElement('pre'); out.id = 'axe-result';
              out.textContent = JSON.stringify(results.violations.map(function (v) {
                return v.id + ': ' + v.help + ' (' + v.nodes.length + ' elements: ' + v.nodes.slice(0, 2).map(function (n) { return n.target.join(' '); }).join('; ') + ')';
              }));
              document.body.appendChild(out);
            });
            </script>
            """
        guard let end = html.range(of: "</body>", options: .backwards) else { return ["the page has no </body>"] }
        let copy = (page as NSString).deletingLastPathComponent + "/.axe-\(UUID().uuidString).html"
        try (html.replacingCharacters(in: end, with: runner + "</body>")).write(toFile: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let result = try OutsideTool.run("chromium", quietFlags + ["--virtual-time-budget=30000", "--dump-dom", "file://\(copy)"])
        guard let start = result.output.range(of: "<pre id=\"axe-result\">"),
              let stop = result.output.range(of: "</pre>", range: start.upperBound..<result.output.endIndex) else {
            return ["axe did not finish: \(result.output.suffix(400))"]
        }
        let json = String(result.output[start.upperBound..<stop.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]) ?? ["unreadable axe result: \(json.prefix(300))"]
    }
}
