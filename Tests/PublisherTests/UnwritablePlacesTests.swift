import Foundation
import Testing
import TestSupport
@testable import Publisher

/// A run that could not finish what it starts is refused before it changes anything: a state
/// database inside the published folder, a folder the run writes or a state database this user
/// cannot write. The published folder and the state are then byte for byte as they were.
@Suite(.serialized) struct UnwritablePlacesTests {
    static func everything(_ folder: String) -> [String: Data] {
        ImportCoverageTests.files(folder + "/Releases").merging(ImportCoverageTests.files(folder + "/Releases.private")) { $1 }
    }

    @Test func aPlaceTheRunCannotWriteIsRefusedBeforeAnythingChanges() throws {
        let setup = try ImportCoverageTests.setUp("unwritable", rows: ["1,2026-12-02 10:00:00,1", "2,2026-12-04 11:00:00,2"],
                                                   covers: "2026-12-01"..."2026-12-07")
        #expect(try ImportCoverageTests.release(setup, window: "2026-12-02")?.status == .published)
        let before = Self.everything(setup.folder)
        for place in ["/Releases", "/Releases/catalog", "/Releases/cases", "/Releases/log", "/Releases.private/state.sqlite"] {
            let unwritable = setup.folder + place
            do {
                _ = try PublisherPaths.$canWrite.withValue({ $0 != unwritable }) {
                    try ImportCoverageTests.release(setup, window: "2026-12-03")
                }
                Issue.record("a run that cannot write \(place) went ahead")
            } catch {
                guard case let .io(path, reason) = error as? PublisherError else {
                    Issue.record("not an I/O refusal: \(error)")
                    continue
                }
                #expect(path == unwritable && reason.contains("nothing was read, charged or published"), "\(reason)")
            }
            #expect(Self.everything(setup.folder) == before, "\(place): the run changed something")
        }
        // Writable again, the same window is published.
        #expect(try ImportCoverageTests.release(setup, window: "2026-12-03")?.status == .published)
    }

    @Test func aStateInsideThePublishedFolderIsRefused() throws {
        let setup = try ImportCoverageTests.setUp("state-inside", rows: ["1,2026-12-02 10:00:00,1"], covers: "2026-12-01"..."2026-12-07")
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-10T12:00:00Z"))
        for state in ["/Releases/state.sqlite", "/Releases/private/./state.sqlite", "/Releases/../Releases/x/state.sqlite"] {
            var options = ReleaseRun.Options(store: setup.store, key: setup.key, policies: [setup.policy], window: .day("2026-12-02"),
                                             out: setup.folder + "/Releases", now: now)
            options.state = setup.folder + state
            #expect {
                try ReleaseRun.run(options) { _ in }
            } throws: { error in
                guard case let .refused(why) = error as? PublisherError else { return false }
                return why.contains("lies inside the published folder")
            }
            #expect(!FileManager.default.fileExists(atPath: setup.folder + state), "\(state) was created")
        }
        // Through a relative link that climbs with `..` into the published folder.
        try FileManager.default.createDirectory(atPath: setup.folder + "/private", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: setup.folder + "/private/state", withDestinationPath: "../Releases")
        var options = ReleaseRun.Options(store: setup.store, key: setup.key, policies: [setup.policy], window: .day("2026-12-02"),
                                         out: setup.folder + "/Releases", now: now)
        options.state = setup.folder + "/private/state/state.sqlite"
        #expect {
            try ReleaseRun.run(options) { _ in }
        } throws: { error in
            guard case let .refused(why) = error as? PublisherError else { return false }
            return why.contains("lies inside the published folder")
        }
        #expect(!FileManager.default.fileExists(atPath: setup.folder + "/Releases/state.sqlite"))
    }
}
