import Foundation

/// `datapackage.json`, a Frictionless Data Package v2
/// (https://datapackage.org/standard/data-package/) describing every data file:
/// a tabular resource per output with its gzip compression, size, SHA-256 and
/// Table Schema (field types and descriptions, the label of suppressed values,
/// the primary key). `frictionless validate` checks it against the files.
public struct DataPackage: Sendable {
    /// One field of a Table Schema.
    public struct Field: Sendable, Equatable, Codable {
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

        private enum Keys: String, CodingKey { case name, type, description, constraints }
        private struct Constraints: Codable {
            var minimum: Int?
            var pattern: String?
        }

        /// The field as Table Schema JSON (`constraints` only when there is one).
        /// - Throws: Whatever `encoder` throws for a value; the field holds only strings and integers,
        ///   so ``CanonicalJSON`` never does.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(name, forKey: .name)
            try c.encode(type, forKey: .type)
            try c.encode(description, forKey: .description)
            if minimum != nil || pattern != nil { try c.encode(Constraints(minimum: minimum, pattern: pattern), forKey: .constraints) }
        }

        /// Reads a Table Schema field; a missing `description` reads as empty.
        /// - Throws: `DecodingError` when `name` or `type` is missing, or a key holds a value of the
        ///   wrong type.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let constraints = try c.decodeIfPresent(Constraints.self, forKey: .constraints)
            self.init(name: try c.decode(String.self, forKey: .name), type: try c.decode(String.self, forKey: .type),
                      description: try c.decodeIfPresent(String.self, forKey: .description) ?? "",
                      minimum: constraints?.minimum, pattern: constraints?.pattern)
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
        /// What a reader must know about the file that its fields do not say (records it leaves out).
        public var description: String?

        public init(name: String, path: String, title: String, bytes: Int, sha256: String, fields: [Field], primaryKey: [String],
                    description: String? = nil) {
            self.description = description
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

    /// The licence identifiers (SPDX) the tool knows, with the URL of each licence's text.
    public static let licenseURLs = ["CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
                                     "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
                                     "ODC-BY-1.0": "https://opendatacommons.org/licenses/by/1-0/",
                                     "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/"]

    /// The label for empty cells: suppressed by the privacy policy, or missing at the source.
    public static let missingLabel = "suppressed or missing"
    /// The label of `*`: the value was generalised away (removed) to protect the people in the file.
    public static let removedLabel = "removed to protect the people in the file (generalised to *)"

    /// The canonical `datapackage.json`.
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` only if a value cannot be encoded.
    public func json() throws(ReleaseFormatError) -> Data {
        return try CanonicalJSON.encode(Document(
            name: name, title: title, description: description, version: version, created: created,
            licenses: [.init(name: license, path: Self.licenseURLs[license])],
            contributors: [.init(title: publisher, roles: ["publisher"], email: contact)],
            resources: resources.map { resource in
                Document.Resource(name: resource.name, path: resource.path, title: resource.title, description: resource.description,
                                  bytes: resource.bytes,
                                  hash: "sha256:\(resource.sha256)", schema: Self.schema(of: resource))
            }))
    }

    /// The JSON shape of `datapackage.json` (Data Package v2).
    struct Document: Codable {
        struct License: Codable {
            var name: String
            var path: String?
        }
        struct Contributor: Codable {
            var title: String
            var roles: [String]
            var email: String
        }
        struct Resource: Codable {
            var name: String
            var path: String
            var title: String?
            var description: String?
            var type = "table"
            var format = "csv"
            var mediatype = "text/csv"
            var encoding = "utf-8"
            var compression = "gz"
            var bytes: Int?
            var hash: String?
            var schema: TableSchema?

            init(name: String, path: String, title: String, description: String?, bytes: Int, hash: String, schema: TableSchema) {
                (self.name, self.path, self.title, self.bytes, self.hash, self.schema) = (name, path, title, bytes, hash, schema)
                self.description = description
            }
        }
        var schema = "https://datapackage.org/profiles/2.0/datapackage.json"
        var name: String
        var title: String
        var description: String
        var version: String
        var created: String
        var licenses: [License]
        var contributors: [Contributor]
        var resources: [Resource]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", name, title, description, version, created, licenses, contributors, resources
        }
    }

    /// A Table Schema (https://datapackage.org/standard/table-schema/): fields with their types and
    /// constraints, the missing values and their labels, the primary key.
    public struct TableSchema: Codable, Sendable {
        public struct MissingValue: Codable, Sendable {
            public var value: String
            public var label: String
        }
        public var schema = "https://datapackage.org/profiles/2.0/tableschema.json"
        public var fields: [Field]
        public var missingValues: [MissingValue]
        public var primaryKey: [String]?

        enum CodingKeys: String, CodingKey { case schema = "$schema", fields, missingValues, primaryKey }
    }

    /// A resource's Table Schema: fields with their types and constraints, the missing values, the primary key.
    static func schema(of resource: Resource) -> TableSchema {
        TableSchema(fields: resource.fields,
                    missingValues: [.init(value: "", label: Self.missingLabel), .init(value: "*", label: Self.removedLabel)],
                    primaryKey: resource.primaryKey.isEmpty ? nil : resource.primaryKey)
    }

    /// A resource's Table Schema as its own JSON file (`<output>.schema.json` in a release), the
    /// data dictionary a catalog's `describedBy` names.
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` only if a value cannot be encoded
    ///   (the schema holds only strings and integers, so in practice never).
    public static func tableSchemaJSON(_ resource: Resource) throws(ReleaseFormatError) -> Data {
        try CanonicalJSON.encode(schema(of: resource))
    }

    /// The `path → (bytes, sha256)` claims of a datapackage.json, for verification.
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when the file is not a data package
    ///   (no `resources` list, a resource without a path).
    public static func claims(_ data: Data, file: String) throws(ReleaseFormatError) -> [String: (bytes: Int?, sha256: String?)] {
        struct Claims: Decodable {
            struct Resource: Decodable {
                var path: String
                var bytes: Int?
                var hash: String?
            }
            var resources: [Resource]
        }
        var result: [String: (bytes: Int?, sha256: String?)] = [:]
        for resource in try CanonicalJSON.decode(Claims.self, from: data, file: file).resources {
            result[resource.path] = (resource.bytes, resource.hash.map { $0.hasPrefix("sha256:") ? String($0.dropFirst(7)) : $0 })
        }
        return result
    }
}
