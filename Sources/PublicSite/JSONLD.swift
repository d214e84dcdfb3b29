/// A typed model of the JSON-LD 1.1 (W3C Recommendation, 2020) the DCAT-AP catalog is written in:
/// nodes with an `@id`, an `@type` and properties whose values are plain strings, language-tagged
/// or typed literals, references to other nodes, nested nodes or lists. Encoded through the one
/// canonical encoder, so the catalog's bytes are reproducible.
enum JSONLD {
    /// A property value.
    indirect enum Value: Encodable {
        /// A plain string literal.
        case string(String)
        /// An English literal: `{"@value": …, "@language": "en"}`.
        case text(String)
        /// A typed literal: `{"@value": …, "@type": …}` (an `xsd:dateTime`, say).
        case typed(String, type: String)
        /// A reference to a node described elsewhere: `{"@id": …}`.
        case reference(String)
        case node(Node)
        case list([Value])

        private enum Keys: String, CodingKey { case value = "@value", language = "@language", type = "@type", id = "@id" }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case let .string(text):
                var container = encoder.singleValueContainer()
                try container.encode(text)
            case let .text(text):
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(text, forKey: .value)
                try container.encode("en", forKey: .language)
            case let .typed(text, type):
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(text, forKey: .value)
                try container.encode(type, forKey: .type)
            case let .reference(id):
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(id, forKey: .id)
            case let .node(node): try node.encode(to: encoder)
            case let .list(values): try values.encode(to: encoder)
            }
        }
    }

    /// A node: its IRI (nil for a blank node), its class and its properties.
    struct Node: Encodable {
        var id: String?
        var type: String
        var properties: [String: Value]

        init(_ id: String?, _ type: String, _ properties: [String: Value] = [:]) {
            (self.id, self.type, self.properties) = (id, type, properties)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Name.self)
            if let id { try container.encode(id, forKey: Name("@id")) }
            try container.encode(type, forKey: Name("@type"))
            for (name, value) in properties { try container.encode(value, forKey: Name(name)) }
        }
    }

    /// A document: the context that maps prefixes to vocabularies, and the graph of nodes.
    struct Document: Encodable {
        var context: [String: String]
        var graph: [Node]
        enum CodingKeys: String, CodingKey { case context = "@context", graph = "@graph" }
    }

    /// A property name as a coding key.
    struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
