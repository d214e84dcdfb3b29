import Foundation
import GRDB
import Testing
import TestSupport
@testable import Publisher

/// A state database a newer opendata wrote is never used by an older one.
@Suite struct StateDowngradeTests {
    /// A schema change this version does not know (as a newer version's would be) makes opening the
    /// state a refusal that names it, before anything is migrated or written: the file is byte for
    /// byte as it was, with its mode. A state this version wrote opens again, made private (0600).
    @Test func aStateFromANewerVersionIsRefusedAndLeftAsItWas() throws {
        let path = TestSupport.temporaryFolder("state-downgrade") + "/state.sqlite"
        _ = try StateStore(path: path)
        // This version's own state reopens, and is made private again.
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        _ = try StateStore(path: path)
        #expect(try Self.mode(path) == 0o600)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-a-newer-opendata')") }
        try queue.close()
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try StateStore(path: path)
            Issue.record("a state from a newer opendata was opened")
        } catch {
            guard case let .refused(message) = error else {
                Issue.record("not a refusal: \(error)")
                return
            }
            #expect(message.contains("v99-from-a-newer-opendata") && message.contains("newer opendata"), "\(message)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try Self.mode(path) == 0o640)
    }

    static func mode(_ path: String) throws -> Int {
        ((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }
}
