import Foundation

/// The demo city's policies: the files in `Policies/` (this target's `Policies` folder), embedded
/// in the executable at build time (SwiftPM `embedInCode`), so `opendata demo` runs from any copy
/// of the binary and always uses exactly the policies a privacy officer reads and edits there.
/// A file added to `Policies/` is listed here and in `Package.swift` to become part of the demo.
enum DemoPolicies {
    /// Each file's path under `Policies/` and its bytes.
    static let files: [(path: String, contents: [UInt8])] = [
        ("boundaries/districts.geojson", PackageResources.districts_geojson),
        ("calls-for-service.yaml", PackageResources.calls_for_service_yaml),
        ("complaints.yaml", PackageResources.complaints_yaml),
        ("engagement-logs.yaml", PackageResources.engagement_logs_yaml),
        ("hierarchies/beats.csv", PackageResources.beats_csv),
        ("hierarchies/districts.csv", PackageResources.districts_csv),
        ("hierarchies/gender.csv", PackageResources.gender_csv),
        ("hierarchies/race.csv", PackageResources.race_csv),
    ]
}
