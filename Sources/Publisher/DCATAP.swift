import Foundation
import PrivacyPolicy
import ReleaseFormat

/// `catalog/dcat-ap.jsonld`: the catalog as DCAT-AP 3.0 (SEMIC, the European
/// application profile of W3C DCAT 3), in JSON-LD, for European open-data
/// portals; validated in the tests against SEMIC's own SHACL shapes with pyshacl.
///
/// Every node the shapes constrain by class is typed (publisher `foaf:Agent`,
/// contact `vcard:Kind`, licence `dct:LicenseDocument`, media type
/// `dct:MediaType`, format `dct:MediaTypeOrExtent`, frequency `dct:Frequency`,
/// period `dct:PeriodOfTime`, landing page `foaf:Document`, schema
/// `dct:Standard`); media types are IANA IRIs, formats and frequencies the EU
/// Publications Office's authority tables, dates typed `xsd:dateTime`. Without
/// a base URL the IRIs are relative to the catalog file.
public enum DCATAP {
    static let context: [String: String] = [
        "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    ]
    /// EU frequency authority table entries for the policy's `frequency`.
    static let frequency = ["daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "quarterly": "QUARTERLY", "yearly": "ANNUAL"]

    /// The catalog of `datasets`' latest releases.
    static func catalog(datasets: [PublicIndex.Dataset], baseURL: String?, now: Date) throws(PublisherError) -> Data {
        // Paths under the published folder, as IRIs from the catalog (in catalog/).
        func iri(_ path: String) -> String { PublicIndex.link(path, baseURL: baseURL) }
        func node(_ id: String, _ type: String, _ properties: [String: Any] = [:]) -> [String: Any] {
            properties.merging(["@id": id, "@type": type]) { a, _ in a }
        }
        func text(_ value: String) -> [String: Any] { ["@value": value, "@language": "en"] }
        let formatter = ISO8601DateFormatter()
        func dateTime(_ date: Date) -> [String: Any] { ["@value": formatter.string(from: date), "@type": "xsd:dateTime"] }
        let catalogID = iri("catalog/dcat-ap.jsonld#catalog")
        var graph: [[String: Any]] = []
        var datasetIDs: [[String: Any]] = []
        var publishers: [String: String] = [:]
        for item in datasets {
            guard let latest = item.releases.last else { continue }
            let policy = item.policy
            let landing = iri(PublicIndex.landingPath(policy.dataset.id))
            let publisherID = iri("catalog/dcat-ap.jsonld#publisher-\(publishers.count)")
            let publisher = publishers[policy.dataset.publisher] ?? publisherID
            publishers[policy.dataset.publisher] = publisher
            let licence = PublicIndex.licenses[policy.dataset.license] ?? policy.dataset.license
            let distributions: [[String: Any]] = item.downloads.map { download in
                node(iri(download.path), "dcat:Distribution", [
                    "dct:title": text(download.title),
                    "dcat:accessURL": node(landing, "foaf:Document"),
                    "dcat:downloadURL": ["@id": iri(download.path)],
                    "dcat:mediaType": node("http://www.iana.org/assignments/media-types/application/gzip", "dct:MediaType"),
                    "dct:format": node("http://publications.europa.eu/resource/authority/file-type/CSV", "dct:MediaTypeOrExtent"),
                    "dct:license": node(licence, "dct:LicenseDocument"),
                    "dct:conformsTo": node(iri(download.schema), "dct:Standard"),
                ])
            }
            var dataset: [String: Any] = [
                "dct:title": text(policy.dataset.title), "dct:description": text(policy.dataset.description),
                "dct:identifier": policy.dataset.id,
                "dcat:keyword": (policy.dataset.keywords.isEmpty ? [policy.dataset.id] : policy.dataset.keywords).map(text),
                "dct:publisher": node(publisher, "foaf:Agent", ["foaf:name": text(policy.dataset.publisher)]),
                "dcat:contactPoint": node(iri("catalog/dcat-ap.jsonld#contact-\(policy.dataset.id)"), "vcard:Kind", [
                    "vcard:fn": policy.dataset.publisher, "vcard:hasEmail": ["@id": "mailto:\(policy.dataset.contact)"],
                ]),
                "dcat:landingPage": node(landing, "foaf:Document"),
                "dct:modified": dateTime(latest.publishedAt),
                "dcat:distribution": distributions,
            ]
            if let code = frequency[policy.dataset.frequency ?? ""] {
                dataset["dct:accrualPeriodicity"] = node("http://publications.europa.eu/resource/authority/frequency/\(code)", "dct:Frequency")
            }
            // The period the distributions hold together.
            if let period = item.temporal {
                dataset["dct:temporal"] = ["@type": "dct:PeriodOfTime", "dcat:startDate": dateTime(period.start),
                                           "dcat:endDate": dateTime(period.end)]
            }
            let datasetID = iri("catalog/dcat-ap.jsonld#dataset-\(policy.dataset.id)")
            graph.append(node(datasetID, "dcat:Dataset", dataset))
            datasetIDs.append(["@id": datasetID])
        }
        let catalogPublisher = publishers.first.map { ["@id": $0.value] } ?? ["@id": iri("catalog/dcat-ap.jsonld#publisher-0")]
        var catalog = node(catalogID, "dcat:Catalog", [
            "dct:title": text("Open data releases"),
            "dct:description": text("Datasets de-identified by published privacy policies and signed; each release states what was done to the data."),
            "dct:publisher": catalogPublisher, "foaf:homepage": node(iri("index.html"), "foaf:Document"),
            "dct:modified": dateTime(now),
        ])
        if !datasetIDs.isEmpty { catalog["dcat:dataset"] = datasetIDs }
        if publishers.isEmpty {
            graph.append(node(iri("catalog/dcat-ap.jsonld#publisher-0"), "foaf:Agent", ["foaf:name": text("Publisher")]))
        }
        graph.insert(catalog, at: 0)
        do {
            return try CanonicalJSON.encode(["@context": context, "@graph": graph])
        } catch {
            throw .io(path: "catalog/dcat-ap.jsonld", reason: error.description)
        }
    }
}
