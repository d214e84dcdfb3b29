import Foundation

/// Key files on disk: secret keys are written with mode 0600, and a secret key
/// readable by group or others is refused. Passphrases come from the
/// environment (`OPENDATA_KEY_PASSPHRASE`) or a file, never from arguments, and
/// never appear in errors.
public enum KeyFiles {
    public static let passphraseVariable = "OPENDATA_KEY_PASSPHRASE"

    /// Writes `PREFIX.key`, `PREFIX.pub` and `PREFIX.pem` for a new key pair; refuses to overwrite.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when one of the files already exists, or the
    ///   folder or a file cannot be written; ``ReleaseFormatError/crypto(_:)`` when OpenSSL cannot make or
    ///   encrypt the key. Nothing is overwritten.
    public static func generate(prefix given: String, passphrase: String?) throws(ReleaseFormatError) -> Minisign.SecretKey {
        // A bare name (`--out k`) is a file in the current folder: made absolute, so the atomic
        // writes below have a folder to put their temporary file in.
        let prefix = URL(fileURLWithPath: given).standardizedFileURL.path
        let paths = [prefix + ".key", prefix + ".pub", prefix + ".pem"]
        if let existing = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw .io(path: existing, reason: "already exists; keys are never overwritten (choose another --out)")
        }
        let folder = (prefix as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw .io(path: folder, reason: "cannot create the key folder (\(error.localizedDescription))")
            }
        }
        let key = try Minisign.SecretKey.generate()
        let secret = try key.fileContents(passphrase: passphrase)
        guard FileManager.default.createFile(atPath: paths[0], contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .io(path: paths[0], reason: "cannot write the secret key")
        }
        do {
            try key.publicKeyFile.fileContents.write(toFile: paths[1], atomically: true, encoding: .utf8)
            try Ed25519.pem(publicKey: key.publicKey).write(toFile: paths[2], atomically: true, encoding: .utf8)
        } catch let error as ReleaseFormatError {
            throw error
        } catch {
            throw .io(path: prefix, reason: "cannot write the public key (\(error.localizedDescription))")
        }
        return key
    }

    /// Reads a secret key, refusing one that group or others can read.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when the key file cannot be read;
    ///   ``ReleaseFormatError/insecureKey(path:)`` when it (or the passphrase file) is readable by group or
    ///   others; ``ReleaseFormatError/passphrase(_:)`` when an encrypted key's passphrase is missing,
    ///   unreadable or wrong; ``ReleaseFormatError/malformed(file:reason:)`` or
    ///   ``ReleaseFormatError/crypto(_:)`` as ``Minisign/SecretKey/parse(_:file:passphrase:)`` throws them.
    public static func loadSecretKey(path: String, passphraseFile: String?) throws(ReleaseFormatError) -> Minisign.SecretKey {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let permissions = attributes[.posixPermissions] as? Int else {
            throw .io(path: path, reason: "cannot read the secret key; check the path")
        }
        if permissions & 0o077 != 0 { throw .insecureKey(path: path) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .io(path: path, reason: "cannot read the secret key")
        }
        return try Minisign.SecretKey.parse(text, file: path) { () throws(ReleaseFormatError) in
            try passphrase(file: passphraseFile, key: path)
        }
    }

    /// The passphrase from `file` (first line; the file must be 0600 like the key it unlocks)
    /// or the environment; `key` names what it unlocks in errors.
    ///
    /// - Throws: ``ReleaseFormatError/insecureKey(path:)`` when `file` is readable by group or others;
    ///   ``ReleaseFormatError/passphrase(_:)`` when `file` cannot be read, or there is no `file` and
    ///   ``passphraseVariable`` is not set.
    public static func passphrase(file: String?, key: String) throws(ReleaseFormatError) -> String {
        if let file {
            if let permissions = (try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? Int,
               permissions & 0o077 != 0 {
                throw .insecureKey(path: file)
            }
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw .passphrase("cannot read the passphrase file \(file)")
            }
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        if let value = ProcessInfo.processInfo.environment[passphraseVariable] { return value }
        throw .passphrase("\(key) needs a passphrase: set \(passphraseVariable) or pass --passphrase-file FILE")
    }

    /// Public keys: one `.pub` file, or every `.pub` file of a keyring folder.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when the keyring cannot be listed or holds no
    ///   `.pub` file, or a key file cannot be read; ``ReleaseFormatError/malformed(file:reason:)`` for a
    ///   key that does not parse.
    public static func loadPublicKeys(key: String?, keyring: String?) throws(ReleaseFormatError) -> [Minisign.PublicKey] {
        var paths: [String] = []
        if let key { paths.append(key) }
        if let keyring {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: keyring) else {
                throw .io(path: keyring, reason: "cannot list the keyring folder")
            }
            paths += names.filter { $0.hasSuffix(".pub") }.sorted().map { (keyring as NSString).appendingPathComponent($0) }
            if paths.isEmpty { throw .io(path: keyring, reason: "no .pub keys in the keyring") }
        }
        var keys: [Minisign.PublicKey] = []
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .io(path: path, reason: "cannot read the public key") }
            keys.append(try Minisign.PublicKey.parse(text, file: path))
        }
        return keys
    }
}
