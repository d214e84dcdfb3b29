import Foundation
import Testing
import TestSupport
@testable import ReleaseFormat

@Suite struct MinisignTests {
    @Test func blake2bMatchesRFC7693AndOpenSSL() {
        // RFC 7693 Appendix A: BLAKE2b-512("abc").
        #expect(Encoding.hex(Blake2b.hash(Array("abc".utf8), length: 64)).hasPrefix("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"))
        for size in [0, 1, 127, 128, 129, 1000] {
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
            #expect(Blake2b.hash(message, length: 64) == StreamingDigest.hash(Data(message), .blake2b512))
        }
    }

    @Test func signaturesVerifyAndAnyFlipBreaksThem() throws {
        let key = try Minisign.SecretKey.generate()
        let file = Data("{\"dataset\":\"calls\"}".utf8)
        let signature = try Minisign.Signature.sign(file, key: key, trustedComment: "dataset:calls release:2026-11-22")
        #expect(signature.failure(for: file, key: key.publicKeyFile) == nil)
        let parsed = try Minisign.Signature.parse(signature.fileContents, file: "sig")
        #expect(parsed == signature)
        var tampered = file
        tampered[3] ^= 1
        #expect(signature.failure(for: tampered, key: key.publicKeyFile) == "signature does not match the file")
        var comment = signature
        comment.trustedComment += "x"
        #expect(comment.failure(for: file, key: key.publicKeyFile) == "global signature does not match the trusted comment")
        let other = try Minisign.SecretKey.generate()
        #expect(signature.failure(for: file, key: other.publicKeyFile)?.contains("key id") == true)
    }

    @Test func secretKeysRoundTripEncryptedAndNot() throws {
        let key = try Minisign.SecretKey.generate()
        let plain = try key.fileContents(passphrase: nil)
        let back = try Minisign.SecretKey.parse(plain, file: "k") { () throws(ReleaseFormatError) in "unused" }
        #expect(back.seed == key.seed && back.keyID == key.keyID)
        // Cheap scrypt parameters keep the test fast; the format is the same.
        let encrypted = try key.fileContents(passphrase: "correct horse", opsLimit: 524_288, memLimit: 16_777_216)
        let decrypted = try Minisign.SecretKey.parse(encrypted, file: "k") { () throws(ReleaseFormatError) in "correct horse" }
        #expect(decrypted.seed == key.seed)
        #expect(throws: ReleaseFormatError.self) {
            try Minisign.SecretKey.parse(encrypted, file: "k") { () throws(ReleaseFormatError) in "wrong" }
        }
        #expect(throws: ReleaseFormatError.self) {
            try Minisign.SecretKey.parse("untrusted comment: x\nAAAA\n", file: "k") { () throws(ReleaseFormatError) in "" }
        }
    }

    @Test(OutsideTool.needed("minisign")) func stockMinisignAcceptsOurSignaturesAndKeys() throws {
        guard OutsideTool.available("minisign") else { return }
        let folder = TestSupport.temporaryFolder("minisign")
        let key = try Minisign.SecretKey.generate()
        TestSupport.write(key.publicKeyFile.fileContents, to: folder + "/release.pub")
        let manifest = Data("{\"files\":[]}".utf8)
        _ = FileManager.default.createFile(atPath: folder + "/manifest.json", contents: manifest)
        let signature = try Minisign.Signature.sign(manifest, key: key, trustedComment: "dataset:calls\trelease:2026-11-22")
        TestSupport.write(signature.fileContents, to: folder + "/manifest.json.minisig")
        let ok = try OutsideTool.run("minisign", ["-Vm", folder + "/manifest.json", "-p", folder + "/release.pub"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("dataset:calls"))
        // One flipped byte anywhere makes minisign refuse.
        for offset in [0, manifest.count / 2, manifest.count - 1] {
            var bad = manifest
            bad[offset] ^= 0x20
            _ = FileManager.default.createFile(atPath: folder + "/manifest.json", contents: bad)
            #expect(try OutsideTool.run("minisign", ["-Vm", folder + "/manifest.json", "-p", folder + "/release.pub"]).status != 0)
        }
        _ = FileManager.default.createFile(atPath: folder + "/manifest.json", contents: manifest)
        var badSignature = signature.fileContents
        badSignature = badSignature.replacingOccurrences(of: "trusted comment: dataset", with: "trusted comment: datasat")
        TestSupport.write(badSignature, to: folder + "/manifest.json.minisig")
        #expect(try OutsideTool.run("minisign", ["-Vm", folder + "/manifest.json", "-p", folder + "/release.pub"]).status != 0)
    }

    @Test(OutsideTool.needed("minisign")) func keysMadeByMinisignSignForUs() throws {
        guard OutsideTool.available("minisign") else { return }
        let folder = TestSupport.temporaryFolder("minisign-keys")
        // Unencrypted (-W) and encrypted keys, as minisign writes them.
        let plain = try OutsideTool.run("minisign", ["-G", "-W", "-p", folder + "/w.pub", "-s", folder + "/w.key"])
        #expect(plain.status == 0, "\(plain.output)")
        let encrypted = try OutsideTool.run("minisign", ["-G", "-p", folder + "/e.pub", "-s", folder + "/e.key"],
                                            input: "s3cret pass\ns3cret pass\n")
        #expect(encrypted.status == 0, "\(encrypted.output)")
        for (name, passphrase) in [("w", ""), ("e", "s3cret pass")] {
            let text = try String(contentsOfFile: folder + "/\(name).key", encoding: .utf8)
            let key = try Minisign.SecretKey.parse(text, file: name) { () throws(ReleaseFormatError) in passphrase }
            let publicKey = try Minisign.PublicKey.parse(try String(contentsOfFile: folder + "/\(name).pub", encoding: .utf8), file: name)
            #expect(key.publicKeyFile == publicKey)
            let file = Data("release \(name)".utf8)
            _ = FileManager.default.createFile(atPath: folder + "/\(name).txt", contents: file)
            let signature = try Minisign.Signature.sign(file, key: key, trustedComment: "test \(name)")
            TestSupport.write(signature.fileContents, to: folder + "/\(name).txt.minisig")
            let check = try OutsideTool.run("minisign", ["-Vm", folder + "/\(name).txt", "-p", folder + "/\(name).pub"])
            #expect(check.status == 0, "\(check.output)")
        }
    }

    @Test(OutsideTool.needed("openssl")) func opensslVerifiesWithThePEMKey() throws {
        guard OutsideTool.available("openssl") else { return }
        let folder = TestSupport.temporaryFolder("openssl")
        let key = try Minisign.SecretKey.generate()
        try Ed25519.pem(publicKey: key.publicKey).write(toFile: folder + "/key.pem", atomically: true, encoding: .utf8)
        let manifest = Data("{\"a\":1}".utf8)
        _ = FileManager.default.createFile(atPath: folder + "/manifest.json", contents: manifest)
        let signature = try Minisign.Signature.sign(manifest, key: key, trustedComment: "x")
        _ = FileManager.default.createFile(atPath: folder + "/sig.bin", contents: Data(signature.signature))
        let digest = try OutsideTool.run("openssl", ["dgst", "-blake2b512", "-binary", "-out", folder + "/digest.bin", folder + "/manifest.json"])
        #expect(digest.status == 0)
        let verify = try OutsideTool.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", folder + "/key.pem", "-rawin",
                                                     "-in", folder + "/digest.bin", "-sigfile", folder + "/sig.bin"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("Signature Verified Successfully"))
    }
}
