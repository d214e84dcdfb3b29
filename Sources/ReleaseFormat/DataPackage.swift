import Foundation

/// `datapackage.json`, a Frictionless Data Package v2
/// (https://datapackage.org/standard/data-package/) describing every data file:
/// a tabular resource per output with its gzip compression, size, SHA-256 and
/// Table Schema (field types and descriptions, the label of suppressed values,
/// the primary key). `frictionless validate` checks it against the files.
public struct DataPackage: Sendable {
    /// One field of a Table Schema.
    public struct Field: Sendable, Equatable {
        public var name: String
        /// Table Schema type: string, integer, number, date, datetime, yearmonth, ….
        public var type: String
        public var description: String
        /// `constraints.minimum` (counts and margins are never negative).
        public var minimum: Int?
        /// `constraints.pattern` of a string field (a week or quarter label, say).
        public var pattern: String?

        public init(name: String, type: String, description: String, minimum: Int? = nil, pattern: String? = nil) {
            self.name = name
            self.type = type
            self.description = description
            self.minimum = minimum
            self.pattern = pattern
        }

        /// The field as Table Schema JSON.
        var json: [String: Any] {
            var field: [String: Any] = ["name": name, "type": type, "description": description]
            var constraints: [String: Any] = [:]
            if let minimum { constraints["minimum"] = minimum }
            if let pattern { constraints["pattern"] = pattern }
            if !constraints.isEmpty { field["constraints"] = constraints }
            return field
        }
    }

    /// One data file.
    public struct Resource: Sendable {
        public var name: String
        public var path: String
        public var title: String
        public var bytes: Int
        public var sha256: String
        public var fields: [Field]
        public var primaryKey: [String]

        public init(name: String, path: String, title: String, bytes: Int, sha256: String, fields: [Field], primaryKey: [String]) {
            self.name = name
            self.path = path
            self.title = title
            self.bytes = bytes
            self.sha256 = sha256
            self.fields = fields
            self.primaryKey = primaryKey
        }
    }

    public var name: String
    public var title: String
    public var description: String
    public var license: String
    public var version: String
    public var created: String
    public var publisher: String
    public var contact: String
    public var resources: [Resource]

    public init(name: String, title: String, description: String, license: String, version: String, created: String,
                publisher: String, contact: String, resources: [Resource]) {
        self.name = name
        self.title = title
        self.description = description
        self.license = license
        self.version = version
        self.created = created
        self.publisher = publisher
        self.contact = contact
        self.resources = resources
    }

    /// The label for empty cells: suppressed by the privacy policy, or missing at the source.
    public static let missingLabel = "suppressed or missing"
    /// The label of `*`: the value was generalised away (removed) to protect the people in the file.
    public static let removedLabel = "removed to protect the people in the file (generalised to *)"

    public func json() throws(ReleaseFormatError) -> Data {
        let licensePaths = ["CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
                            "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
                            "ODC-BY-1.0": "https://opendatacommons.org/licenses/by/1-0/",
                            "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/"]
        var license: [String: Any] = ["name": self.license]
        if let path = licensePaths[self.license] { license["path"] = path }
        let object: [String: Any] = [
            "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
            "name": name, "title": title, "description": description, "version": version, "created": created,
            "licenses": [license],
            "contributors": [["title": publisher, "roles": ["publisher"], "email": contact]],
            "resources": resources.map { resource -> [String: Any] in
                ["name": resource.name, "path": resource.path, "title": resource.title, "type": "table",
                        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "compression": "gz",
                        "bytes": resource.bytes, "hash": "sha256:\(resource.sha256)", "schema": Self.schema(of: resource)]
            },
        ]
        return try CanonicalJSON.encode(object)
    }

    /// A resource's Table Schema (https://datapackage.org/standard/table-schema/): fields with their
    /// types and constraints, the missing values, the primary key.
    static func schema(of resource: Resource) -> [String: Any] {
        var schema: [String: Any] = [
            "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
            "fields": resource.fields.map(\.json),
            "missingValues": [["value": "", "label": Self.missingLabel], ["value": "*", "label": Self.removedLabel]],
        ]
        if !resource.primaryKey.isEmpty { schema["primaryKey"] = resource.primaryKey }
        return schema
    }

    /// A resource's Table Schema as its own JSON file (`<output>.schema.json` in a release), the
    /// data dictionary a catalog's `describedBy` names.
    public static func tableSchemaJSON(_ resource: Resource) throws(ReleaseFormatError) -> Data {
        try CanonicalJSON.encode(schema(of: resource))
    }

    /// The `path → (bytes, sha256)` claims of a datapackage.json, for verification.
    public static func claims(_ data: Data, file: String) throws(ReleaseFormatError) -> [String: (bytes: Int?, sha256: String?)] {
        let object = try CanonicalJSON.object(data, file: file)
        guard let resources = object["resources"] as? [[String: Any]] else {
            throw .malformed(file: file, reason: "'resources' must be a list")
        }
        var result: [String: (bytes: Int?, sha256: String?)] = [:]
        for resource in resources {
            guard let path = resource["path"] as? String else { throw .malformed(file: file, reason: "a resource has no path") }
            let hash = (resource["hash"] as? String).map { $0.hasPrefix("sha256:") ? String($0.dropFirst(7)) : $0 }
            result[path] = (resource["bytes"] as? Int, hash)
        }
        return result
    }
}
