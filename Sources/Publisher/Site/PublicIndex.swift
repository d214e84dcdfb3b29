import Foundation
import PrivacyPolicy
import ReleaseFormat

/// The public face of `Releases/`: `catalog/data.json` (DCAT-US v1.1, for
/// data.gov-style harvesters), `catalog/dcat-ap.jsonld` (DCAT-AP 3, for European
/// portals; ``DCATAP``) and `index.html` (every dataset, its latest
/// release, the budget used over time, and how to verify). Both are rewritten
/// after every run and replaced by rename, so readers never see a partial file.
public enum PublicIndex {
    /// One dataset's entry: its policy and its release history with spend.
    public struct Dataset {
        public var policy: Policy
        public var releases: [StateStore.PublishedRelease]
        public var ledger: [LedgerEntry]
        /// What every release published, for the dashboard (``Dashboard``).
        public var history = DatasetHistory()

        /// What each output's cumulative file holds (``CumulativeFiles``), once written.
        public var coverage: [CumulativeFiles.Coverage] = []

        /// The ledger entry of the latest release: its window's start and end.
        var latestWindow: LedgerEntry? {
            guard let latest = releases.last else { return nil }
            return ledger.last { $0.window == latest.window && $0.sequence == latest.windowSequence }
        }

        /// The period the catalogs' distributions hold (their `temporal`): from the first window
        /// any cumulative file holds to the last; the latest release's window before they exist.
        var temporal: (start: Date, end: Date)? {
            if let start = coverage.map(\.start).min(), let end = coverage.map(\.end).max() { return (start, end) }
            return latestWindow.map { ($0.windowStart, $0.windowEnd) }
        }

        /// One file the catalogs list: a stable URL under the published folder and its Table Schema.
        struct Download {
            var title: String
            var path: String
            var schema: String
        }

        /// Per output with a cumulative file: every release so far, then the latest release, at
        /// stable URLs; for an output without one, the latest release folder's file.
        var downloads: [Download] {
            guard let latest = releases.last else { return [] }
            let id = policy.dataset.id
            return policy.publishedOutputs.flatMap { output -> [Download] in
                let title = output.title ?? output.id
                guard coverage.contains(where: { $0.output == output.id }) else {
                    let file = "\(id)/\(latest.release)/\(output.id).csv.gz"
                    return [Download(title: title, path: file, schema: CumulativeFiles.schemaPath(file))]
                }
                let all = CumulativeFiles.allPath(dataset: id, output: output.id), copy = CumulativeFiles.latestPath(dataset: id, output: output.id)
                return [Download(title: "\(title), every release", path: all, schema: CumulativeFiles.schemaPath(all)),
                        Download(title: "\(title), latest release", path: copy, schema: CumulativeFiles.schemaPath(copy))]
            }
        }
    }

    /// A path under the published folder as the catalogs (in `catalog/`) link it: absolute under
    /// `baseURL`, else relative to the catalog.
    static func link(_ path: String, baseURL: String?) -> String { baseURL.map { "\($0)/\(path)" } ?? "../\(path)" }

    /// A dataset's landing page under the published folder: its dashboard (``Dashboard``), beside
    /// its stable downloads in `catalog/<dataset>/`.
    static func landingPath(_ dataset: String) -> String { "catalog/\(dataset)/index.html" }

    /// Writes `catalog/data.json` and `index.html` under `out`.
    ///
    /// With `baseURL` (where `out` is served, e.g. `https://data.city.gov/police`), every URL in
    /// the catalog is absolute, as DCAT-US requires and harvesters need; without it they are
    /// relative to the catalog, which a browser follows but the schema's URI format rejects.
    ///
    /// Returns the paths written under dataset folders (dashboards, cumulative and latest files),
    /// relative to `out`, for the snapshot to sign.
    @discardableResult
    public static func write(out: String, datasets: [Dataset], populations: [PopulationSummary] = [], key: Minisign.PublicKey,
                             now: Date = Date(), baseURL: String? = nil) throws(PublisherError) -> [String] {
        var datasets = datasets
        var written: [String] = []
        for index in datasets.indices where !datasets[index].releases.isEmpty {
            let (coverage, paths) = try CumulativeFiles.write(dataset: datasets[index], out: out)
            datasets[index].coverage = coverage
            written += paths
        }
        let catalog = try catalogJSON(datasets: datasets, baseURL: baseURL)
        let europeanCatalog = try DCATAP.catalog(datasets: datasets, baseURL: baseURL, now: now)
        let page = html(datasets: datasets, populations: populations, key: key, now: now)
        let root = try PublicFolder.root(out)
        try root.folder("catalog").replace("data.json", with: catalog)
        try root.folder("catalog").replace("dcat-ap.jsonld", with: europeanCatalog)
        try root.replace("index.html", with: Data(page.utf8))
        for dataset in datasets where !dataset.releases.isEmpty {
            let folder = try root.folder("catalog").folder(dataset.policy.dataset.id)
            try folder.replace("index.html", with: Data(Dashboard.page(dataset, now: now).utf8))
            written.append(landingPath(dataset.policy.dataset.id))
        }
        try root.replace("release.pub", with: Data(key.fileContents.utf8))
        // The same key as PEM (RFC 8410), for openssl and other tools that do not read minisign's format.
        let pem: String
        do {
            pem = try Ed25519.pem(publicKey: key.key)
        } catch {
            throw .io(path: (out as NSString).appendingPathComponent("release.pem"), reason: error.description)
        }
        try root.replace("release.pem", with: Data(pem.utf8))
        return written
    }

    static let periodicity = ["daily": "R/P1D", "weekly": "R/P1W", "monthly": "R/P1M", "quarterly": "R/P3M", "yearly": "R/P1Y"]

    /// DCAT-US v1.1 (https://resources.data.gov/resources/dcat-us/) with every required field per dataset.
    static func catalogJSON(datasets: [Dataset], baseURL: String? = nil) throws(PublisherError) -> Data {
        // A path under the published folder, as the catalog (in catalog/) links it.
        func url(_ path: String) -> String { link(path, baseURL: baseURL) }
        let entries: [DCATUS.Dataset] = datasets.compactMap { item in
            guard let latest = item.releases.last else { return nil }
            let policy = item.policy
            let formatter = ISO8601DateFormatter()
            // `temporal` is the period the listed files hold together.
            let temporal = item.temporal.map { "\(formatter.string(from: $0.start))/\(formatter.string(from: $0.end))" } ?? latest.window
            let folder = "\(policy.dataset.id)/\(latest.release)"
            let landing = url(landingPath(policy.dataset.id))
            let files = item.downloads.map { download in
                DCATUS.Distribution(title: download.title, downloadURL: url(download.path), accessURL: landing,
                                    mediaType: "application/gzip", format: "CSV (gzip)", describedBy: url(download.schema),
                                    describedByType: "application/json")
            }
            return DCATUS.Dataset(
                title: policy.dataset.title, description: policy.dataset.description,
                keyword: policy.dataset.keywords.isEmpty ? [policy.dataset.id] : policy.dataset.keywords,
                modified: formatter.string(from: latest.publishedAt),
                publisher: .init(name: policy.dataset.publisher),
                contactPoint: .init(fn: policy.dataset.publisher, hasEmail: "mailto:\(policy.dataset.contact)"),
                identifier: policy.dataset.id,
                license: DataPackage.licenseURLs[policy.dataset.license] ?? policy.dataset.license,
                temporal: temporal, accrualPeriodicity: periodicity[policy.dataset.frequency ?? ""] ?? "irregular",
                describedBy: url("\(folder)/datapackage.json"),
                distribution: files + [DCATUS.Distribution(title: "Privacy report", downloadURL: url("\(folder)/privacy-report.html"),
                                                           mediaType: "text/html", format: "HTML")],
                landingPage: baseURL != nil ? landing : nil)
        }
        let catalog = DCATUS.Catalog(id: baseURL.map { "\($0)/catalog/data.json" }, dataset: entries)
        do {
            return try CanonicalJSON.encode(catalog)
        } catch {
            throw .io(path: "catalog/data.json", reason: error.description)
        }
    }

    static func html(datasets: [Dataset], populations: [PopulationSummary] = [], key: Minisign.PublicKey, now: Date) -> String {
        let escape = HTML.escape
        let fingerprint = Encoding.hex(StreamingDigest.hash(Data(key.key), .sha256))
        var body = "<header><h1>Open data releases</h1><p>Every file here was de-identified by a published policy and signed. Updated \(escape(ISO8601DateFormatter().string(from: now))).</p></header>\n<main>\n"
        for item in datasets {
            let policy = item.policy
            body += "<section aria-labelledby=\"\(escape(policy.dataset.id))\"><h2 id=\"\(escape(policy.dataset.id))\">\(escape(policy.dataset.title))</h2><p>\(escape(policy.dataset.description))</p>\n"
            body += "<p class=\"guarantee\"><strong>\(policy.dataset.guarantee == .differentialPrivacy ? "Differential privacy" : "k-anonymity only")</strong>: \(escape(GuaranteeCheck.statement(for: policy)))</p>\n"
            guard let latest = item.releases.last else {
                body += "<p>No release yet.</p></section>\n"
                continue
            }
            let folder = "\(policy.dataset.id)/\(latest.release)"
            body += "<p>Latest release: <strong>\(escape(latest.release))</strong> (sequence \(latest.sequence)). Files: "
            body += policy.publishedOutputs.map { "<a href=\"\(escape(folder))/\(escape($0.id)).csv.gz\">\(escape($0.title ?? $0.id))</a>" }.joined(separator: ", ")
            body += "; <a href=\"\(escape(landingPath(policy.dataset.id)))\">dashboard of every release (trends\(policy.outputs.contains { if case let .aggregate(spec) = $0.kind { spec.disparity != nil } else { false } } ? ", equity" : ""))</a>"
            body += "; <a href=\"\(escape(folder))/privacy-report.html\">privacy report</a>, <a href=\"\(escape(folder))/datapackage.json\">data package</a>, <a href=\"\(escape(folder))/manifest.json\">signed manifest</a>.</p>\n"
            // Budget over time: ε per release as bars, the rolling cap as the scale.
            var perRelease: [(String, Double)] = []
            for release in item.releases.suffix(30) {
                let spent = item.ledger.filter { $0.window == release.window && $0.sequence == release.windowSequence }.reduce(0) { $0 + $1.epsilon }
                perRelease.append((release.release, spent))
            }
            let top = max(perRelease.map(\.1).max() ?? 1, policy.budget.perReleaseEpsilon, 0.001)
            let width = 60 + perRelease.count * 26
            var svg = "<figure><svg role=\"img\" aria-labelledby=\"\(escape(policy.dataset.id))-budget-title\" width=\"\(width * 2)\" height=\"340\" viewBox=\"0 0 \(width) 170\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"\(escape(policy.dataset.id))-budget-title\">Privacy budget (ε) spent by each of the last \(perRelease.count) releases, \(escape(perRelease.first?.0 ?? "")) to \(escape(perRelease.last?.0 ?? "")); the cap per release is \(PolicyExplainer.format(policy.budget.perReleaseEpsilon))</title>"
            // The y axis from 0 to the top, with its scale; the first and last release named under the bars.
            svg += "<line x1=\"56\" x2=\"56\" y1=\"10\" y2=\"120\" stroke=\"#595959\"/><line x1=\"56\" x2=\"\(width)\" y1=\"120\" y2=\"120\" stroke=\"#595959\"/>"
            for tick in [0.0, top / 2, top] {
                let y = 120 - Int(110 * tick / top)
                svg += "<text x=\"52\" y=\"\(y + 3)\" text-anchor=\"end\" font-size=\"9\" fill=\"#1a1a1a\">ε \(PolicyExplainer.format((tick * 100).rounded() / 100))</text>"
            }
            for (index, entry) in perRelease.enumerated() {
                let height = Int(110 * entry.1 / top)
                svg += "<rect x=\"\(60 + index * 26)\" y=\"\(120 - height)\" width=\"20\" height=\"\(height)\" fill=\"#1f5f8b\"><title>\(escape(entry.0)): ε \(PolicyExplainer.format(entry.1))</title></rect>"
            }
            if let first = perRelease.first {
                svg += "<text x=\"60\" y=\"136\" font-size=\"9\" fill=\"#1a1a1a\">\(escape(first.0))</text>"
            }
            if perRelease.count > 1, let last = perRelease.last {
                svg += "<text x=\"\(width)\" y=\"150\" text-anchor=\"end\" font-size=\"9\" fill=\"#1a1a1a\">\(escape(last.0))</text>"
            }
            let capY = 120 - Int(110 * policy.budget.perReleaseEpsilon / top)
            svg += "<line x1=\"56\" x2=\"\(width)\" y1=\"\(capY)\" y2=\"\(capY)\" stroke=\"#b3261e\" stroke-dasharray=\"4 3\"/><text x=\"\(width)\" y=\"\(capY - 3)\" text-anchor=\"end\" font-size=\"9\" fill=\"#1a1a1a\">cap</text></svg>"
            svg += "<details><summary>Table: ε per release</summary><table><caption>Privacy budget spent by each release</caption><thead><tr><th scope=\"col\">Release</th><th scope=\"col\">ε</th></tr></thead><tbody>"
            svg += perRelease.map { "<tr><th scope=\"row\">\(escape($0.0))</th><td>\(PolicyExplainer.format($0.1))</td></tr>" }.joined()
            svg += "</tbody></table></details>"
            svg += "<figcaption>ε spent per release (bars, oldest left) against the per-release cap (dashed line)"
            if let rolling = policy.budget.rolling365DayEpsilon {
                svg += "; each person may be charged at most ε \(PolicyExplainer.format(rolling)) over any 365 days (see the budget per person below)"
            }
            body += svg + ".</figcaption></figure>\n</section>\n"
        }
        if !populations.isEmpty {
            body += "<section aria-labelledby=\"people\"><h2 id=\"people\">Privacy budget per person</h2><p>Each person is charged only for the releases that hold their records, in one budget per population shared by every dataset about the same people; anyone whose charges over 365 days would pass the cap is left out of a release.</p>\n<table><caption>Where each population's per-person budget stands on \(escape(ISO8601DateFormatter().string(from: now).prefix(10).description))</caption><thead><tr><th scope=\"col\">Population</th><th scope=\"col\">Datasets</th><th scope=\"col\">Cap per person, any 365 days</th><th scope=\"col\">ε per night</th><th scope=\"col\">Nightly releases a person in every one can be in, per 365 days</th><th scope=\"col\">Caps so far</th></tr></thead><tbody>\n"
            for summary in populations {
                let history = summary.capHistory.map { "ε \($0.epsilon.map(PolicyExplainer.format) ?? "none") from \($0.firstWindow)" }.joined(separator: "; ")
                body += "<tr><th scope=\"row\">\(escape(summary.population))</th><td>\(escape(summary.datasets.joined(separator: ", ")))</td><td>\(summary.epsilonCap.map(PolicyExplainer.format) ?? "none")</td><td>\(PolicyExplainer.format((summary.perNightEpsilon * 100).rounded() / 100))</td><td>\(summary.releasesPerYearForEveryNight.map(String.init) ?? "unlimited")</td><td>\(escape(history))</td></tr>\n"
            }
            body += "</tbody></table></section>\n"
        }
        body += """
            <section aria-labelledby="verify"><h2 id="verify">How to verify a release</h2>
            <p>Releases are signed with this minisign public key (key id <code>\(escape(key.keyIDText))</code>, SHA-256 fingerprint <code>\(fingerprint)</code>), also in <a href="release.pub">release.pub</a>:</p>
            <pre>\(escape(key.fileContents))</pre>
            <p>Check a release with stock tools, then compare every file with its hash in the signed manifest:</p>
            <pre>minisign -Vm RELEASE/manifest.json -p release.pub
            cd RELEASE &amp;&amp; python3 -c "import json;[print(f['sha256']+'  '+f['path']) for f in json.load(open('manifest.json'))['files']]" | sha256sum -c -</pre>
            <p>or with opendata, which also checks expiry and rollback: <code>opendata verify RELEASE --key release.pub</code>.</p></section>
            <p>Machine-readable catalog (DCAT-US v1.1): <a href="catalog/data.json">catalog/data.json</a>.</p>
            """
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Open data releases</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.5}
            h1,h2{color:#0b3d63}a{color:#0b5394}pre{background:#f0f0f0;padding:.5rem;overflow-x:auto;white-space:pre-wrap}svg{max-width:100%;height:auto}
            @media print{body{max-width:none}section{break-inside:avoid}}
            </style></head>
            <body>
            \(body)</main></body></html>

            """
    }
}

#if canImport(Glibc)
import Glibc
#endif
