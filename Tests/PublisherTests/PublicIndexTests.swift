import Demo
import Foundation
@testable import PublicSite
import OperationalStore
import Testing
import TestSupport
@testable import Publisher

/// The public index and the DCAT-US catalog written after every release run.
@Suite struct PublicIndexTests {
    @Test func theCatalogCarriesEveryRequiredDCATUSField() throws {
        let workdir = TestSupport.temporaryFolder("catalog")
        let end = try #require(ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z"))
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 5000, days: 2, seed: 3, end: end),
                                               policiesFolder: nil)) { _ in }
        let releases = workdir + "/Releases"
        let catalog = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: releases + "/catalog/data.json"))) as? [String: Any])
        #expect(catalog["conformsTo"] as? String == "https://project-open-data.cio.gov/v1.1/schema")
        let datasets = try #require(catalog["dataset"] as? [[String: Any]])
        #expect(datasets.count == 3)
        for dataset in datasets {
            for field in ["title", "description", "keyword", "modified", "publisher", "contactPoint", "identifier", "accessLevel",
                          "license", "temporal", "accrualPeriodicity", "distribution", "describedBy"] {
                #expect(dataset[field] != nil, "\(dataset["identifier"] ?? "?") lacks \(field)")
            }
            #expect((dataset["contactPoint"] as? [String: String])?["hasEmail"]?.hasPrefix("mailto:") == true)
            let distributions = try #require(dataset["distribution"] as? [[String: String]])
            for distribution in distributions {
                #expect(distribution["downloadURL"] != nil && distribution["mediaType"] != nil)
                // Every link resolves to a file of the latest release.
                let path = releases + "/catalog/" + (distribution["downloadURL"] ?? "")
                #expect(FileManager.default.fileExists(atPath: path), "\(path)")
            }
        }
        let index = try String(contentsOfFile: releases + "/index.html", encoding: .utf8)
        let key = try String(contentsOfFile: report.publicKey, encoding: .utf8)
        #expect(index.contains(key.split(separator: "\n")[1]), "the page shows the public key")
        #expect(index.contains("minisign -Vm RELEASE/manifest.json -p release.pub"))
        #expect(index.contains("opendata verify RELEASE --key release.pub"))
        #expect(index.contains("<svg role=\"img\""))
        for forbidden in ["<script", "src=", "href=\"http", "url(", "<link"] { #expect(!index.contains(forbidden)) }
        #expect(try String(contentsOfFile: releases + "/release.pub", encoding: .utf8) == key)
    }
}
