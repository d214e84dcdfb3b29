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
    public static func regions(geoJSON data: Data, property: String) throws -> [Region] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MapError("it is not JSON; export the boundaries as GeoJSON (RFC 7946)")
        }
        guard object["type"] as? String == "FeatureCollection", let features = object["features"] as? [[String: Any]] else {
            throw MapError("it is not a GeoJSON FeatureCollection with a features list")
        }
        func position(_ value: Any) throws -> Coordinate {
            guard let pair = value as? [Any], pair.count >= 2, let longitude = (pair[0] as? NSNumber)?.doubleValue,
                  let latitude = (pair[1] as? NSNumber)?.doubleValue, (-180...180).contains(longitude), (-90...90).contains(latitude) else {
                throw MapError("a position is not [longitude, latitude] in degrees")
            }
            return Coordinate(longitude: longitude, latitude: latitude)
        }
        func polygon(_ value: Any) throws -> [[Coordinate]] {
            guard let rings = value as? [Any], !rings.isEmpty else { throw MapError("a polygon has no rings") }
            return try rings.map { ring in
                guard let points = ring as? [Any], points.count >= 4 else { throw MapError("a ring has fewer than four positions") }
                return try points.map(position)
            }
        }
        var regions: [Region] = []
        for (index, feature) in features.enumerated() {
            let properties = feature["properties"] as? [String: Any] ?? [:]
            guard let raw = properties[property] else { throw MapError("feature \(index + 1) has no property '\(property)'") }
            let name = (raw as? String) ?? (raw as? NSNumber).map { $0.stringValue } ?? "\(raw)"
            guard let geometry = feature["geometry"] as? [String: Any], let type = geometry["type"] as? String,
                  let coordinates = geometry["coordinates"] else {
                throw MapError("feature '\(name)' has no geometry")
            }
            switch type {
            case "Polygon": regions.append(Region(name: name, polygons: [try polygon(coordinates)]))
            case "MultiPolygon":
                guard let list = coordinates as? [Any] else { throw MapError("feature '\(name)': a MultiPolygon needs a list of polygons") }
                regions.append(Region(name: name, polygons: try list.map(polygon)))
            default: throw MapError("feature '\(name)' is a \(type); only Polygon and MultiPolygon areas can be mapped")
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
