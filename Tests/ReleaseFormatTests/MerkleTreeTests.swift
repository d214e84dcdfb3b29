import Foundation
import Testing
import TestSupport
@testable import ReleaseFormat

@Suite struct MerkleTreeTests {
    static func leaves(_ n: Int) -> [[UInt8]] { (0..<n).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) } }

    @Test func inclusionAndConsistencyProofsVerifyForEveryShape() {
        for n in 1...17 {
            let all = Self.leaves(n)
            let root = MerkleTree.root(all[...])
            for index in 0..<n {
                let proof = MerkleTree.inclusionProof(index, all[...])
                #expect(MerkleTree.verifyInclusion(leaf: all[index], index: index, size: n, proof: proof, root: root), "n \(n) i \(index)")
                #expect(!MerkleTree.verifyInclusion(leaf: all[(index + 1) % n], index: index, size: n, proof: proof, root: root) || n == 1)
            }
            for m in 1...n {
                let proof = MerkleTree.consistencyProof(m, all[...])
                let oldRoot = MerkleTree.root(all.prefix(m))
                #expect(MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: proof), "m \(m) n \(n)")
                if m < n {
                    // A rewritten history (another leaf among the first m) cannot be proven consistent.
                    var forged = all
                    forged[m - 1] = MerkleTree.leafHash([0xFF])
                    #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: MerkleTree.root(forged.prefix(m)), newRoot: root, proof: proof))
                }
            }
        }
    }

    @Test(OutsideTool.needed("python3")) func rootsMatchAnIndependentImplementation() throws {
        guard OutsideTool.available("python3") else { return }
        let script = """
            import hashlib
            def leaf(b): return hashlib.sha256(b'\\x00' + b).digest()
            def mth(hs):
                if len(hs) == 1: return hs[0]
                k = 1
                while k * 2 < len(hs): k *= 2
                return hashlib.sha256(b'\\x01' + mth(hs[:k]) + mth(hs[k:])).digest()
            print(mth([leaf(('leaf %d' % i).encode()) for i in range(7)]).hex())
            """
        let result = try OutsideTool.run("python3", ["-c", script])
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == Encoding.hex(MerkleTree.root(Self.leaves(7)[...])))
    }

    @Test func checkpointsAreSignedNotes() throws {
        let key = try Minisign.SecretKey.generate()
        let checkpoint = Checkpoint(origin: "opendata/test", size: 3, root: MerkleTree.root(Self.leaves(3)[...]))
        let note = try checkpoint.signed(name: "test-log", key: key)
        #expect(note.hasPrefix("opendata/test\n3\n"))
        #expect(note.contains("\n\n\u{2014} test-log "))
        #expect(try Checkpoint.verify(note, name: "test-log", publicKey: key.publicKey, file: "c") == checkpoint)
        let tampered = note.replacingOccurrences(of: "\n3\n", with: "\n4\n")
        #expect(throws: ReleaseFormatError.self) { try Checkpoint.verify(tampered, name: "test-log", publicKey: key.publicKey, file: "c") }
        let other = try Minisign.SecretKey.generate()
        #expect(throws: ReleaseFormatError.self) { try Checkpoint.verify(note, name: "test-log", publicKey: other.publicKey, file: "c") }
    }
}
