import Foundation
import Testing
@testable import Publisher

/// A record file kept in the state database reads back exactly as it was
/// written (a re-run republishes it from there), including files stored by
/// earlier versions, and a corrupted one is refused rather than published.
@Suite struct StoredRecordsTests {
    typealias StoredColumn = DPMicrodataRelease.StoredColumn

    @Test func packedCodesRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 7, 10_000] {
            let dictionary = ["a", "b", "c", "*"]
            let codes = (0..<size).map { _ in Int32.random(in: -1...3, using: &generator) }
            let column = StoredColumn(name: "beat", dictionary: dictionary, codes: codes)
            let json = try JSONEncoder().encode(column)
            #expect(try JSONDecoder().decode(StoredColumn.self, from: json) == column)
        }
    }

    @Test func columnsStoredAsNumberArraysStillRead() throws {
        let legacy = Data(#"{"name":"beat","dictionary":["a","b"],"codes":[0,1,-1,1]}"#.utf8)
        let column = try JSONDecoder().decode(StoredColumn.self, from: legacy)
        #expect(column == StoredColumn(name: "beat", dictionary: ["a", "b"], codes: [0, 1, -1, 1]))
    }

    @Test func codesOutsideTheDictionaryAreRefused() {
        let outside = Data(#"{"name":"beat","dictionary":["a"],"codes":[0,1]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StoredColumn.self, from: outside) }
        // Three bytes are not a whole code.
        let torn = Data(#"{"name":"beat","dictionary":["a"],"packedCodes":"AAAA"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StoredColumn.self, from: torn) }
    }
}
