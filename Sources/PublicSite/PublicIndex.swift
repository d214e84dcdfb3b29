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
        public var releases: [PublishedRelease]
        public var ledger: [LedgerEntry]
        /// What every release published, for the dashboard (``Dashboard``).
        public var history = DatasetHistory()

        /// What each output's cumulative file holds (the stable downloads), once written.
        public var coverage: [StableDownloads.Coverage] = []

        public init(policy: Policy, releases: [PublishedRelease], ledger: [LedgerEntry], history: DatasetHistory = DatasetHistory(),
                    coverage: [StableDownloads.Coverage] = []) {
            (self.policy, self.releases, self.ledger, self.history, self.coverage) = (policy, releases, ledger, history, coverage)
        }

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
                    return [Download(title: title, path: file, schema: StableDownloads.schemaPath(file))]
                }
                let all = StableDownloads.allPath(dataset: id, output: output.id), copy = StableDownloads.latestPath(dataset: id, output: output.id)
                return [Download(title: "\(title), every release", path: all, schema: StableDownloads.schemaPath(all)),
                        Download(title: "\(title), latest release", path: copy, schema: StableDownloads.schemaPath(copy))]
            }
        }
    }

    /// A path under the published folder as the catalogs (in `catalog/`) link it: absolute under
    /// `baseURL`, else relative to the catalog.
    public static func link(_ path: String, baseURL: String?) -> String { baseURL.map { "\($0)/\(path)" } ?? "../\(path)" }

    /// A dataset's landing page under the published folder: its dashboard (``Dashboard``), beside
    /// its stable downloads in `catalog/<dataset>/`.
    public static func landingPath(_ dataset: String) -> String { "catalog/\(dataset)/index.html" }

    /// Every page and catalog of the published folder, by path relative to it: `catalog/data.json`
    /// (DCAT-US), `catalog/dcat-ap.jsonld` (DCAT-AP), `index.html`, each dataset's dashboard
    /// `catalog/<dataset>/index.html`, and the public key as `release.pub` and `release.pem`.
    /// Rendered from `datasets` alone (each with its coverage already known); nothing is read.
    ///
    /// With `baseURL` (where the folder is served, e.g. `https://data.city.gov/police`), every URL in
    /// the catalog is absolute, as DCAT-US requires and harvesters need; without it they are
    /// relative to the catalog, which a browser follows but the schema's URI format rejects.
    /// - Throws: ``ReleaseFormat/ReleaseFormatError`` when a catalog cannot be encoded or the key cannot be written as PEM.
    public static func files(datasets: [Dataset], populations: [PopulationSummary] = [], key: Minisign.PublicKey,
                             now: Date = Date(), baseURL: String? = nil) throws(ReleaseFormatError) -> [(path: String, contents: Data)] {
        var files: [(path: String, contents: Data)] = [
            ("catalog/data.json", try catalogJSON(datasets: datasets, baseURL: baseURL)),
            ("catalog/dcat-ap.jsonld", try DCATAP.catalog(datasets: datasets, baseURL: baseURL, now: now)),
            ("index.html", Data(html(datasets: datasets, populations: populations, key: key, now: now).utf8)),
        ]
        for dataset in datasets where !dataset.releases.isEmpty {
            files.append((landingPath(dataset.policy.dataset.id), Data(Dashboard.page(dataset, now: now).utf8)))
        }
        files.append(("release.pub", Data(key.fileContents.utf8)))
        // The same key as PEM (RFC 8410), for openssl and other tools that do not read minisign's format.
        files.append(("release.pem", Data(try Ed25519.pem(publicKey: key.key).utf8)))
        return files
    }

    static let periodicity = ["daily": "R/P1D", "weekly": "R/P1W", "monthly": "R/P1M", "quarterly": "R/P3M", "yearly": "R/P1Y"]

    /// DCAT-US v1.1 (https://resources.data.gov/resources/dcat-us/) with every required field per dataset.
    static func catalogJSON(datasets: [Dataset], baseURL: String? = nil) throws(ReleaseFormatError) -> Data {
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
        return try CanonicalJSON.encode(DCATUS.Catalog(id: baseURL.map { "\($0)/catalog/data.json" }, dataset: entries))
    }

    /// `index.html`: every dataset with its latest release and budget over time, the budget per
    /// person of each population, and how to verify a release.
    static func html(datasets: [Dataset], populations: [PopulationSummary] = [], key: Minisign.PublicKey, now: Date) -> String {
        let updated = ISO8601DateFormatter().string(from: now)
        let header = HTMLNode.el("header", .el("h1", .text("Open data releases")),
                                 .el("p", .text("Every file here was de-identified by a published policy and signed. Updated \(updated).")))
        var main: [HTMLNode] = [.newline]
        for item in datasets { main += [datasetSection(item), .newline] }
        if !populations.isEmpty { main += [populationSection(populations, on: String(updated.prefix(10))), .newline] }
        main += verification(key)
        return HTMLNode.document(title: "Open data releases", style: style, body: [header, .newline, .el("main", children: main)]).render()
    }

    /// The index's inline style sheet (constant markup).
    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.5}
        h1,h2{color:#0b3d63}a{color:#0b5394}pre{background:#f0f0f0;padding:.5rem;overflow-x:auto;white-space:pre-wrap}svg{max-width:100%;height:auto}
        @media print{body{max-width:none}section{break-inside:avoid}}
        """

    /// One dataset on the index: its description and guarantee, links to its latest release, and
    /// the budget each of its last 30 releases spent.
    static func datasetSection(_ item: Dataset) -> HTMLNode {
        let policy = item.policy
        let guarantee = policy.dataset.guarantee == .differentialPrivacy ? "Differential privacy" : "k-anonymity only"
        var children: [HTMLNode] = [
            .el("p", .text(policy.dataset.description)), .newline,
            .el("p", ["class": "guarantee"], .el("strong", .text(guarantee)), .text(": \(GuaranteeCheck.statement(for: policy))")), .newline,
        ]
        guard let latest = item.releases.last else {
            return .section(id: policy.dataset.id, heading: policy.dataset.title, children + [.el("p", .text("No release yet."))])
        }
        let folder = "\(policy.dataset.id)/\(latest.release)"
        var links: [HTMLNode] = [.text("Latest release: "), .el("strong", .text(latest.release)), .text(" (sequence \(latest.sequence)). Files: ")]
        for (index, output) in policy.publishedOutputs.enumerated() {
            if index > 0 { links.append(.text(", ")) }
            links.append(.el("a", ["href": "\(folder)/\(output.id).csv.gz"], .text(output.title ?? output.id)))
        }
        let equity = policy.outputs.contains { if case let .aggregate(spec) = $0.kind { spec.disparity != nil } else { false } }
        links += [
            .text("; "), .el("a", ["href": landingPath(policy.dataset.id)], .text("dashboard of every release (trends\(equity ? ", equity" : ""))")),
            .text("; "), .el("a", ["href": "\(folder)/privacy-report.html"], .text("privacy report")),
            .text(", "), .el("a", ["href": "\(folder)/datapackage.json"], .text("data package")),
            .text(", "), .el("a", ["href": "\(folder)/manifest.json"], .text("signed manifest")), .text("."),
        ]
        children += [.el("p", children: links), .newline, budgetFigure(item), .newline]
        return .section(id: policy.dataset.id, heading: policy.dataset.title, children)
    }

    /// Budget over time: ε per release (the last 30) as bars, against the per-release cap, with
    /// the same numbers as a table.
    static func budgetFigure(_ item: Dataset) -> HTMLNode {
        let policy = item.policy
        let perRelease: [(release: String, epsilon: Double)] = item.releases.suffix(30).map { release in
            (release.release, item.ledger.filter { $0.window == release.window && $0.sequence == release.windowSequence }.reduce(0) { $0 + $1.epsilon })
        }
        let format = PolicyExplainer.format
        let top = max(perRelease.map(\.epsilon).max() ?? 1, policy.budget.perReleaseEpsilon, 0.001)
        let width = 60 + perRelease.count * 26
        let titleID = "\(policy.dataset.id)-budget-title"
        let title = "Privacy budget (ε) spent by each of the last \(perRelease.count) releases, \(perRelease.first?.release ?? "") to \(perRelease.last?.release ?? ""); the cap per release is \(format(policy.budget.perReleaseEpsilon))"
        // The y axis from 0 to the top, with its scale; the first and last release named under the bars.
        var marks: [HTMLNode] = [
            .el("title", ["id": titleID], .text(title)),
            .el("line", ["x1": "56", "x2": "56", "y1": "10", "y2": "120", "stroke": "#595959"]),
            .el("line", ["x1": "56", "x2": "\(width)", "y1": "120", "y2": "120", "stroke": "#595959"]),
        ]
        for tick in [0.0, top / 2, top] {
            let y = 120 - Int(110 * tick / top)
            marks.append(.el("text", ["x": "52", "y": "\(y + 3)", "text-anchor": "end", "font-size": "9", "fill": "#1a1a1a"],
                             .text("ε \(format((tick * 100).rounded() / 100))")))
        }
        for (index, entry) in perRelease.enumerated() {
            let height = Int(110 * entry.epsilon / top)
            marks.append(.el("rect", ["x": "\(60 + index * 26)", "y": "\(120 - height)", "width": "20", "height": "\(height)", "fill": "#1f5f8b"],
                             .el("title", .text("\(entry.release): ε \(format(entry.epsilon))"))))
        }
        if let first = perRelease.first {
            marks.append(.el("text", ["x": "60", "y": "136", "font-size": "9", "fill": "#1a1a1a"], .text(first.release)))
        }
        if perRelease.count > 1, let last = perRelease.last {
            marks.append(.el("text", ["x": "\(width)", "y": "150", "text-anchor": "end", "font-size": "9", "fill": "#1a1a1a"], .text(last.release)))
        }
        let capY = 120 - Int(110 * policy.budget.perReleaseEpsilon / top)
        marks.append(.el("line", ["x1": "56", "x2": "\(width)", "y1": "\(capY)", "y2": "\(capY)", "stroke": "#b3261e", "stroke-dasharray": "4 3"]))
        marks.append(.el("text", ["x": "\(width)", "y": "\(capY - 3)", "text-anchor": "end", "font-size": "9", "fill": "#1a1a1a"], .text("cap")))
        let svg = HTMLNode.el("svg", ["role": "img", "aria-labelledby": titleID, "width": "\(width * 2)", "height": "340", "viewBox": "0 0 \(width) 170",
                                      "xmlns": HTML.svgNamespace], children: marks)
        let table = HTMLNode.el("details", .el("summary", .text("Table: ε per release")),
                                .el("table", .el("caption", .text("Privacy budget spent by each release")), .columnHeadings(["Release", "ε"]),
                                    .el("tbody", children: perRelease.map { .row($0.release, [format($0.epsilon)]) })))
        var caption = "ε spent per release (bars, oldest left) against the per-release cap (dashed line)"
        if let rolling = policy.budget.rolling365DayEpsilon {
            caption += "; each person may be charged at most ε \(format(rolling)) over any 365 days (see the budget per person below)"
        }
        return .el("figure", svg, table, .el("figcaption", .text(caption + ".")))
    }

    /// Where each population's per-person budget stands on `day`: its cap, its nightly spend and
    /// every cap it has had.
    static func populationSection(_ populations: [PopulationSummary], on day: String) -> HTMLNode {
        let headings = ["Population", "Datasets", "Cap per person, any 365 days", "ε per night",
                        "Nightly releases a person in every one can be in, per 365 days", "Caps so far"]
        let rows = populations.flatMap { summary -> [HTMLNode] in
            let history = summary.capHistory.map { "ε \($0.epsilon.map(PolicyExplainer.format) ?? "none") from \($0.firstWindow)" }.joined(separator: "; ")
            let cells = [summary.datasets.joined(separator: ", "), summary.epsilonCap.map(PolicyExplainer.format) ?? "none",
                         PolicyExplainer.format((summary.perNightEpsilon * 100).rounded() / 100),
                         summary.releasesPerYearForEveryNight.map(String.init) ?? "unlimited", history]
            return [.row(summary.population, cells), .newline]
        }
        return .section(id: "people", heading: "Privacy budget per person", [
            .el("p", .text("Each person is charged only for the releases that hold their records, in one budget per population shared by every dataset about the same people; anyone whose charges over 365 days would pass the cap is left out of a release.")),
            .newline,
            .el("table", .el("caption", .text("Where each population's per-person budget stands on \(day)")), .columnHeadings(headings),
                .el("tbody", children: [.newline] + rows)),
        ])
    }

    /// How to verify a release: the signing key (its id, fingerprint and file), the commands with
    /// stock tools and with opendata, and the link to the catalog.
    static func verification(_ key: Minisign.PublicKey) -> [HTMLNode] {
        let fingerprint = Encoding.hex(StreamingDigest.hash(Data(key.key), .sha256))
        return [
            .section(id: "verify", heading: "How to verify a release", [
                .newline,
                .el("p", .text("Releases are signed with this minisign public key (key id "), .el("code", .text(key.keyIDText)),
                    .text(", SHA-256 fingerprint "), .el("code", .text(fingerprint)), .text("), also in "),
                    .el("a", ["href": "release.pub"], .text("release.pub")), .text(":")),
                .newline, .el("pre", .text(key.fileContents)), .newline,
                .el("p", .text("Check a release with stock tools, then compare every file with its hash in the signed manifest:")), .newline,
                .el("pre", .raw(verifyCommands)), .newline,
                .el("p", .text("or with opendata, which also checks expiry and rollback: "), .el("code", .text("opendata verify RELEASE --key release.pub")),
                    .text(".")),
            ]),
            .newline,
            .el("p", .text("Machine-readable catalog (DCAT-US v1.1): "), .el("a", ["href": "catalog/data.json"], .text("catalog/data.json")), .text(".")),
        ]
    }

    /// The commands that check a release with stock tools (constant markup: its quotes are
    /// written as they are, its `&&` as entities).
    static let verifyCommands = """
        minisign -Vm RELEASE/manifest.json -p release.pub
        cd RELEASE &amp;&amp; python3 -c "import json;[print(f['sha256']+'  '+f['path']) for f in json.load(open('manifest.json'))['files']]" | sha256sum -c -
        """
}

#if canImport(Glibc)
import Glibc
#endif
