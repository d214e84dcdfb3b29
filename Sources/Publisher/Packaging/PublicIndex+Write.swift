import Foundation
import PublicSite
import ReleaseFormat

extension PublicIndex {
    /// Appends the night to the stable downloads (``CumulativeFiles``, keeping where they stand in
    /// `state`), then writes every page and catalog
    /// ``PublicIndex/files(datasets:populations:key:now:baseURL:)`` renders under `out`, each replaced
    /// by rename (``PublicFolder``), so readers never see a partial file.
    ///
    /// Returns the paths written under `catalog/<dataset>/` (dashboards, cumulative and latest
    /// files), relative to `out`, for the snapshot to sign, and the SHA-256 of the bytes written to
    /// the cumulative and chain files among them (``CumulativeFiles``), which the snapshot then
    /// signs without reading those files back.
    /// - Throws: ``PublisherError/refused(_:)`` when a published release no longer matches its signed
    ///   manifest (nothing is rebuilt from it); ``PublisherError/io(path:reason:)`` when a file cannot
    ///   be read, rendered or written, or the state database cannot be read or written.
    @discardableResult
    public static func write(out: String, datasets: [Dataset], state: StateStore, populations: [PopulationSummary] = [], key: Minisign.PublicKey,
                             now: Date = Date(), baseURL: String? = nil) throws(PublisherError) -> (paths: [String], sha256: [String: String]) {
        var datasets = datasets
        var written: [String] = []
        var hashes: [String: String] = [:]
        for index in datasets.indices where !datasets[index].releases.isEmpty {
            let (coverage, paths, sha256) = try CumulativeFiles.write(dataset: datasets[index], out: out, state: state)
            datasets[index].coverage = coverage
            written += paths
            hashes.merge(sha256) { _, new in new }
        }
        StageTiming.mark("cumulative files")
        let files: [(path: String, contents: Data)]
        do {
            files = try Self.files(datasets: datasets, populations: populations, key: key, now: now, baseURL: baseURL)
        } catch {
            throw .io(path: out, reason: "cannot render the public pages (\(error.description))")
        }
        StageTiming.mark("pages rendered")
        let root = try PublicFolder.root(out)
        for (path, contents) in files {
            var folder = root
            let parts = path.split(separator: "/").map(String.init)
            for part in parts.dropLast() { folder = try folder.folder(part) }
            try folder.replace(parts.last ?? path, with: contents)
        }
        written += datasets.filter { !$0.releases.isEmpty }.map { landingPath($0.policy.dataset.id) }
        return (written, hashes)
    }
}
