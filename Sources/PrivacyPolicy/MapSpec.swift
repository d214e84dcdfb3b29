import Foundation

/// A boundary file for the dashboard's map (`map:` in a policy): the latest release's counts per
/// region of one grouping column, drawn as a choropleth. The boundaries are public geography
/// (districts, beats); they are read when the policy is loaded, so a broken file is a policy
/// error, and they never touch the records.
public struct MapSpec: Sendable, Equatable {
    /// The GeoJSON file, as written in the policy (relative to the policy's folder).
    public var file: String
    /// The grouping column whose values name the regions.
    public var column: String
    /// The feature property that holds those values.
    public var property: String
    /// The aggregate output whose counts are mapped (nil: the first that groups by `column` with a count).
    public var output: String?
    /// The regions, in file order.
    public var regions: [Region]

    /// One feature: its name and its polygons, each a list of rings of (longitude, latitude).
    public struct Region: Sendable, Equatable {
        public var name: String
        public var polygons: [[[Coordinate]]]
    }

    /// A GeoJSON position (RFC 7946 §3.1.1): longitude first.
    public struct Coordinate: Sendable, Equatable {
        public var longitude: Double
        public var latitude: Double
    }

    /// Reads the Polygon and MultiPolygon features of a GeoJSON FeatureCollection (RFC 7946),
    /// each named by `property`. Throws a sentence saying what is wrong.
    ///
    /// - Throws: ``MapError`` when the data is not JSON or not a FeatureCollection, a feature lacks
    ///   `property` or a geometry, a geometry is not a Polygon or MultiPolygon, a ring or position
    ///   is malformed, or there are no features.
    public static func regions(geoJSON data: Data, property: String) throws -> [Region] {
        let collection: GeoJSON.FeatureCollection
        do {
            collection = try JSONDecoder().decode(GeoJSON.FeatureCollection.self, from: data)
        } catch let error as MapError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw MapError("it is not JSON; export the boundaries as GeoJSON (RFC 7946)")
        } catch {
            throw MapError("it is not a GeoJSON FeatureCollection with a features list")
        }
        guard collection.type == "FeatureCollection" else { throw MapError("it is not a GeoJSON FeatureCollection with a features list") }
        func position(_ pair: [Double]) throws -> Coordinate {
            guard pair.count >= 2, (-180...180).contains(pair[0]), (-90...90).contains(pair[1]) else {
                throw MapError("a position is not [longitude, latitude] in degrees")
            }
            return Coordinate(longitude: pair[0], latitude: pair[1])
        }
        func polygon(_ rings: [[[Double]]]) throws -> [[Coordinate]] {
            guard !rings.isEmpty else { throw MapError("a polygon has no rings") }
            return try rings.map { points in
                guard points.count >= 4 else { throw MapError("a ring has fewer than four positions") }
                return try points.map(position)
            }
        }
        var regions: [Region] = []
        for (index, feature) in collection.features.enumerated() {
            guard let name = feature.properties?[property]?.text else { throw MapError("feature \(index + 1) has no property '\(property)'") }
            switch feature.geometry {
            case nil: throw MapError("feature '\(name)' has no geometry")
            case let .polygon(rings)?: regions.append(Region(name: name, polygons: [try polygon(rings)]))
            case let .multiPolygon(list)?: regions.append(Region(name: name, polygons: try list.map(polygon)))
            case let .other(type)?: throw MapError("feature '\(name)' is a \(type); only Polygon and MultiPolygon areas can be mapped")
            case .malformed?: throw MapError("feature '\(name)': a position is not [longitude, latitude] in degrees, or a polygon is not a list of rings")
            }
        }
        guard !regions.isEmpty else { throw MapError("it holds no features") }
        return regions
    }
}

/// Why a boundary file cannot be used.
public struct MapError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The parts of GeoJSON (RFC 7946) a boundary file is read through: a FeatureCollection of
/// features with properties and a Polygon or MultiPolygon geometry.
enum GeoJSON {
    struct FeatureCollection: Decodable {
        var type: String
        var features: [Feature]
    }

    struct Feature: Decodable {
        var properties: [String: Property]?
        var geometry: Geometry?
    }

    /// A property value; names may be strings or numbers (`"district": 3`).
    enum Property: Decodable {
        case text(String), number(Double), other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else {
                self = .other
            }
        }

        /// The value as a region name (an integral number without a fraction).
        var text: String? {
            switch self {
            case let .text(text): text
            case let .number(number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            case .other: nil
            }
        }
    }

    /// A geometry: rings of [longitude, latitude] positions.
    enum Geometry: Decodable {
        case polygon([[[Double]]]), multiPolygon([[[[Double]]]]), other(String), malformed

        private enum Keys: String, CodingKey { case type, coordinates }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            switch try container.decode(String.self, forKey: .type) {
            case "Polygon": self = (try? container.decode([[[Double]]].self, forKey: .coordinates)).map(Geometry.polygon) ?? .malformed
            case "MultiPolygon": self = (try? container.decode([[[[Double]]]].self, forKey: .coordinates)).map(Geometry.multiPolygon) ?? .malformed
            case let type: self = .other(type)
            }
        }
    }
}
