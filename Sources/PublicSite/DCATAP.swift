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
    static func catalog(datasets: [PublicIndex.Dataset], baseURL: String?, now: Date) throws(ReleaseFormatError) -> Data {
        // Paths under the published folder, as IRIs from the catalog (in catalog/).
        func iri(_ path: String) -> String { PublicIndex.link(path, baseURL: baseURL) }
        typealias Node = JSONLD.Node
        let text = JSONLD.Value.text
        let formatter = ISO8601DateFormatter()
        func dateTime(_ date: Date) -> JSONLD.Value { .typed(formatter.string(from: date), type: "xsd:dateTime") }
        let catalogID = iri("catalog/dcat-ap.jsonld#catalog")
        var graph: [Node] = []
        var datasetIDs: [JSONLD.Value] = []
        var publishers: [String: String] = [:]
        for item in datasets {
            guard let latest = item.releases.last else { continue }
            let policy = item.policy
            let landing = iri(PublicIndex.landingPath(policy.dataset.id))
            let publisherID = iri("catalog/dcat-ap.jsonld#publisher-\(publishers.count)")
            let publisher = publishers[policy.dataset.publisher] ?? publisherID
            publishers[policy.dataset.publisher] = publisher
            let licence = DataPackage.licenseURLs[policy.dataset.license] ?? policy.dataset.license
            let distributions: [JSONLD.Value] = item.downloads.map { download in
                .node(Node(iri(download.path), "dcat:Distribution", [
                    "dct:title": text(download.title),
                    "dcat:accessURL": .node(Node(landing, "foaf:Document")),
                    "dcat:downloadURL": .reference(iri(download.path)),
                    "dcat:mediaType": .node(Node("http://www.iana.org/assignments/media-types/application/gzip", "dct:MediaType")),
                    "dct:format": .node(Node("http://publications.europa.eu/resource/authority/file-type/CSV", "dct:MediaTypeOrExtent")),
                    "dct:license": .node(Node(licence, "dct:LicenseDocument")),
                    "dct:conformsTo": .node(Node(iri(download.schema), "dct:Standard")),
                ]))
            }
            var dataset: [String: JSONLD.Value] = [
                "dct:title": text(policy.dataset.title), "dct:description": text(policy.dataset.description),
                "dct:identifier": .string(policy.dataset.id),
                "dcat:keyword": .list((policy.dataset.keywords.isEmpty ? [policy.dataset.id] : policy.dataset.keywords).map(text)),
                "dct:publisher": .node(Node(publisher, "foaf:Agent", ["foaf:name": text(policy.dataset.publisher)])),
                "dcat:contactPoint": .node(Node(iri("catalog/dcat-ap.jsonld#contact-\(policy.dataset.id)"), "vcard:Kind", [
                    "vcard:fn": .string(policy.dataset.publisher), "vcard:hasEmail": .reference("mailto:\(policy.dataset.contact)"),
                ])),
                "dcat:landingPage": .node(Node(landing, "foaf:Document")),
                "dct:modified": dateTime(latest.publishedAt),
                "dcat:distribution": .list(distributions),
            ]
            if let code = frequency[policy.dataset.frequency ?? ""] {
                dataset["dct:accrualPeriodicity"] = .node(Node("http://publications.europa.eu/resource/authority/frequency/\(code)", "dct:Frequency"))
            }
            // The period the distributions hold together.
            if let period = item.temporal {
                dataset["dct:temporal"] = .node(Node(nil, "dct:PeriodOfTime", ["dcat:startDate": dateTime(period.start),
                                                                              "dcat:endDate": dateTime(period.end)]))
            }
            let datasetID = iri("catalog/dcat-ap.jsonld#dataset-\(policy.dataset.id)")
            graph.append(Node(datasetID, "dcat:Dataset", dataset))
            datasetIDs.append(.reference(datasetID))
        }
        var catalog = Node(catalogID, "dcat:Catalog", [
            "dct:title": text("Open data releases"),
            "dct:description": text("Datasets de-identified by published privacy policies and signed; each release states what was done to the data."),
            "dct:publisher": .reference(publishers.first?.value ?? iri("catalog/dcat-ap.jsonld#publisher-0")),
            "foaf:homepage": .node(Node(iri("index.html"), "foaf:Document")),
            "dct:modified": dateTime(now),
        ])
        if !datasetIDs.isEmpty { catalog.properties["dcat:dataset"] = .list(datasetIDs) }
        if publishers.isEmpty {
            graph.append(Node(iri("catalog/dcat-ap.jsonld#publisher-0"), "foaf:Agent", ["foaf:name": text("Publisher")]))
        }
        graph.insert(catalog, at: 0)
        return try CanonicalJSON.encode(JSONLD.Document(context: context, graph: graph))
    }
}
