import Foundation

/// The Merkle tree of RFC 6962 §2.1 (Certificate Transparency), with audit
/// (inclusion) and consistency proofs and their verification (RFC 9162 §2.1.3–2.1.4).
///
/// Leaf hash: SHA-256(0x00 ‖ leaf); interior node: SHA-256(0x01 ‖ left ‖ right);
/// the tree of n > 1 leaves splits at the largest power of two below n.
public enum MerkleTree {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { StreamingDigest.hash(Data(bytes), .sha256) }

    /// SHA-256 after 0x00 and after 0x01, the digest fetched once (``PrefixedSHA256``): a log of
    /// thousands of releases hashes every leaf and node each night.
    private static let leafPrefix = PrefixedSHA256(prefix: [0])
    private static let nodePrefix = PrefixedSHA256(prefix: [1])

    /// SHA-256(0x00 ‖ leaf).
    public static func leafHash(_ leaf: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        leaf.withUnsafeBytes { bytes in output.withUnsafeMutableBytes { leafPrefix.session().digest([bytes], into: $0) } }
        return output
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        left.withUnsafeBytes { l in
            right.withUnsafeBytes { r in output.withUnsafeMutableBytes { nodePrefix.session().digest([l, r], into: $0) } }
        }
        return output
    }

    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[n]) over leaf hashes; the empty tree hashes to SHA-256 of nothing.
    public static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return sha256([])
        case 1: return leaves[leaves.startIndex]
        default:
            let k = split(leaves.count)
            return nodeHash(root(leaves.prefix(k)), root(leaves.dropFirst(k)))
        }
    }

    /// PATH(m, D[n]): the audit path of leaf `index`.
    public static func inclusionProof(_ index: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        if index < k { return inclusionProof(index, leaves.prefix(k)) + [root(leaves.dropFirst(k))] }
        return inclusionProof(index - k, leaves.dropFirst(k)) + [root(leaves.prefix(k))]
    }

    /// RFC 9162 §2.1.3.2: true when `proof` shows `leaf` at `index` in a tree of `size` with `root`.
    public static func verifyInclusion(leaf: [UInt8], index: Int, size: Int, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index < size else { return false }
        var fn = index, sn = size - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// PROOF(m, D[n]): the consistency proof from the first `m` leaves to all of them.
    public static func consistencyProof(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard m > 0, m < leaves.count else { return [] }
        return subproof(m, leaves, true)
    }

    static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ complete: Bool) -> [[UInt8]] {
        let n = leaves.count
        if m == n { return complete ? [] : [root(leaves)] }
        let k = split(n)
        if m <= k { return subproof(m, leaves.prefix(k), complete) + [root(leaves.dropFirst(k))] }
        return subproof(m - k, leaves.dropFirst(k), false) + [root(leaves.prefix(k))]
    }

    /// RFC 9162 §2.1.4.2: true when `proof` shows the tree (`oldSize`, `oldRoot`) is a prefix of (`newSize`, `newRoot`).
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        guard oldSize > 0, oldSize < newSize else { return oldSize == 0 && proof.isEmpty }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard !path.isEmpty else { return false }
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
