/// The shape of `catalog/data.json`, a DCAT-US v1.1 catalog
/// (https://resources.data.gov/resources/dcat-us/, schema
/// https://project-open-data.cio.gov/v1.1/schema): every required field of each dataset
/// and distribution, written through the one canonical encoder.
enum DCATUS {
    struct Catalog: Encodable {
        var context = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
        var type = "dcat:Catalog"
        var conformsTo = "https://project-open-data.cio.gov/v1.1/schema"
        var describedBy = "https://project-open-data.cio.gov/v1.1/schema/catalog.json"
        /// The catalog's own absolute URL, when the published folder's address is known.
        var id: String?
        var dataset: [Dataset]
        enum CodingKeys: String, CodingKey { case context = "@context", type = "@type", id = "@id", conformsTo, describedBy, dataset }
    }

    struct Organization: Encodable {
        var type = "org:Organization"
        var name: String
        enum CodingKeys: String, CodingKey { case type = "@type", name }
    }

    struct Contact: Encodable {
        var type = "vcard:Contact"
        var fn: String
        var hasEmail: String
        enum CodingKeys: String, CodingKey { case type = "@type", fn, hasEmail }
    }

    struct Distribution: Encodable {
        var type = "dcat:Distribution"
        var title: String
        var downloadURL: String
        var accessURL: String?
        var mediaType: String
        var format: String
        var describedBy: String?
        var describedByType: String?
        enum CodingKeys: String, CodingKey { case type = "@type", title, downloadURL, accessURL, mediaType, format, describedBy, describedByType }

        init(title: String, downloadURL: String, accessURL: String? = nil, mediaType: String, format: String, describedBy: String? = nil,
             describedByType: String? = nil) {
            (self.title, self.downloadURL, self.accessURL, self.mediaType, self.format) = (title, downloadURL, accessURL, mediaType, format)
            (self.describedBy, self.describedByType) = (describedBy, describedByType)
        }
    }

    struct Dataset: Encodable {
        var type = "dcat:Dataset"
        var title: String
        var description: String
        var keyword: [String]
        var modified: String
        var publisher: Organization
        var contactPoint: Contact
        var identifier: String
        var accessLevel = "public"
        var license: String
        var temporal: String
        var accrualPeriodicity: String
        var describedBy: String
        var describedByType = "application/json"
        var distribution: [Distribution]
        var landingPage: String?
        enum CodingKeys: String, CodingKey {
            case type = "@type", title, description, keyword, modified, publisher, contactPoint, identifier, accessLevel, license, temporal
            case accrualPeriodicity, describedBy, describedByType, distribution, landingPage
        }

        init(title: String, description: String, keyword: [String], modified: String, publisher: Organization, contactPoint: Contact,
             identifier: String, license: String, temporal: String, accrualPeriodicity: String, describedBy: String,
             distribution: [Distribution], landingPage: String?) {
            (self.title, self.description, self.keyword, self.modified, self.publisher) = (title, description, keyword, modified, publisher)
            (self.contactPoint, self.identifier, self.license, self.temporal) = (contactPoint, identifier, license, temporal)
            (self.accrualPeriodicity, self.describedBy, self.distribution, self.landingPage) = (accrualPeriodicity, describedBy,
                                                                                                 distribution, landingPage)
        }
    }
}
