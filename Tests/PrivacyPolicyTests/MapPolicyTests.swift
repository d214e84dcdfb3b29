import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

/// The dashboard map's boundary file is checked when the policy loads: a privacy officer learns
/// of a broken file from `policy check`, with its line and column, not from a blank map.
@Suite struct MapPolicyTests {
    static let square = #"{"type":"Polygon","coordinates":[[[-88,43],[-87.9,43],[-87.9,43.1],[-88,43.1],[-88,43]]]}"#

    static func policy(map: String, geoJSON: String?) -> (path: String, text: String) {
        let folder = TestSupport.temporaryFolder("map-policy")
        if let geoJSON { TestSupport.write(geoJSON, to: folder + "/areas.geojson") }
        let text = """
            policy: 1
            dataset: {id: cases, title: Cases, description: d, publisher: p, contact: c, license: CC-BY-4.0}
            source: {table: cases, window_by: received_at, timezone: UTC}
            columns:
              received_at:
                generalize: {time: [day]}
              district: keep
            outputs:
              - id: by-district
                kind: aggregate
                group_by: [district, {received_at: day}]
                keys: {district: ["1", "2"]}
                statistics: [count]
                privacy: {epsilon: 0.5}
            \(map)
            budget: {per_release_epsilon: 1.0}
            """
        TestSupport.write(text, to: folder + "/policy.yaml")
        return (folder + "/policy.yaml", text)
    }

    static func messages(_ map: String, _ geoJSON: String?) -> [String] {
        let (path, _) = policy(map: map, geoJSON: geoJSON)
        do {
            _ = try PolicyLoader.load(path: path)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    static let map = "map: {boundaries: areas.geojson, column: district}"

    @Test func aValidBoundaryFileLoadsWithItsRegions() throws {
        let geoJSON = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"district":"1"},"geometry":\#(Self.square)},"# +
            #"{"type":"Feature","properties":{"district":2},"geometry":{"type":"MultiPolygon","coordinates":[[[[-87.9,43],[-87.8,43],[-87.8,43.1],[-87.9,43]]]]}}]}"#
        let (path, _) = Self.policy(map: Self.map, geoJSON: geoJSON)
        let policy = try PolicyLoader.load(path: path)
        let map = try #require(policy.map)
        #expect(map.output == "by-district" && map.property == "district")
        #expect(map.regions.map(\.name) == ["1", "2"])
        #expect(map.regions[0].polygons[0][0].count == 5 && map.regions[0].polygons[0][0][1].longitude == -87.9)
    }

    @Test func brokenBoundaryFilesAreReportedWithTheirLocation() {
        let feature = { (properties: String, geometry: String) in
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":\#(properties),"geometry":\#(geometry)}]}"#
        }
        let cases: [(String, String?, String)] = [
            (Self.map, nil, "cannot read"),
            (Self.map, "not json", "not JSON"),
            (Self.map, #"{"type":"Feature"}"#, "not a GeoJSON FeatureCollection"),
            (Self.map, feature(#"{"name":"x"}"#, Self.square), "no property 'district'"),
            (Self.map, feature(#"{"district":"1"}"#, #"{"type":"Point","coordinates":[-88,43]}"#), "only Polygon and MultiPolygon"),
            (Self.map, feature(#"{"district":"1"}"#, #"{"type":"Polygon","coordinates":[[[-88,43],[-87.9,43]]]}"#), "fewer than four positions"),
            (Self.map, feature(#"{"district":"1"}"#, #"{"type":"Polygon","coordinates":[[[-188,43],[-87.9,43],[-87.9,43.1],[-188,43]]]}"#), "longitude, latitude"),
            ("map: {boundaries: areas.geojson, column: priority}", feature(#"{"district":"1"}"#, Self.square), "no aggregate output counts by priority"),
            ("map: {boundaries: areas.geojson, column: district, output: by-beat}", feature(#"{"district":"1"}"#, Self.square), "map.output 'by-beat'"),
            ("map: {boundaries: areas.geojson, colum: district}", feature(#"{"district":"1"}"#, Self.square), "unknown key 'colum'"),
        ]
        for (map, geoJSON, expected) in cases {
            let found = Self.messages(map, geoJSON)
            #expect(found.contains { $0.contains(expected) }, "\(expected): \(found)")
            #expect(found.allSatisfy { $0.contains("policy.yaml:") }, "every message names the file, line and column: \(found)")
        }
    }

    @Test func anUnknownOutputKindNamesTheThreeKinds() {
        let (path, text) = Self.policy(map: "", geoJSON: nil)
        TestSupport.write(text.replacingOccurrences(of: "kind: aggregate", with: "kind: disparities"), to: path)
        do {
            _ = try PolicyLoader.load(path: path)
            Issue.record("a misspelt kind loaded")
        } catch {
            let message = error.diagnostics.map(\.description).joined(separator: "\n")
            #expect(message.contains("did you mean 'disparity'") || message.contains("disparity"), "\(message)")
            #expect(message.contains("microdata, aggregate, disparity"), "\(message)")
        }
    }
}
