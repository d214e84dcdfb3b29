import ArgumentParser
import Foundation
import ReleaseFormat

/// `opendata keys`: signing keys for releases.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create release signing keys (minisign format).",
        subcommands: [KeysGenerateCommand.self]
    )
}

/// `opendata keys generate`.
struct KeysGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write PREFIX.key (secret, mode 0600), PREFIX.pub (minisign) and PREFIX.pem (for openssl).",
        discussion: """
            The secret key is encrypted with scrypt exactly as 'minisign -G' does, with the \
            passphrase from OPENDATA_KEY_PASSPHRASE or --passphrase-file; --unencrypted writes it \
            like 'minisign -G -W'. Keys made by minisign work for signing too. Publish PREFIX.pub: \
            portal maintainers verify with 'minisign -Vm manifest.json -p PREFIX.pub'.

            Rotating keys: generate a new pair, put both .pub files in the keyring folder that \
            verifiers use (--keyring), sign new releases with the new key, and retire the old \
            public key only when no release signed by it is still served.

            Example:
              OPENDATA_KEY_PASSPHRASE=… opendata keys generate --out keys/release-2026
            """
    )

    @Option(help: "Path prefix of the three files.")
    var out: String

    @Flag(help: "Do not encrypt the secret key (like minisign -G -W).")
    var unencrypted = false

    @Option(help: "Read the passphrase from the first line of this file.")
    var passphraseFile: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        do {
            var passphrase: String?
            if !unencrypted {
                guard passphraseFile != nil || ProcessInfo.processInfo.environment[KeyFiles.passphraseVariable] != nil else {
                    throw ValidationError("give a passphrase with OPENDATA_KEY_PASSPHRASE or --passphrase-file, or pass --unencrypted")
                }
                passphrase = try KeyFiles.passphrase(file: passphraseFile, key: out + ".key")
                if passphrase?.isEmpty ?? true { throw ValidationError("the passphrase is empty") }
            }
            let key = try KeyFiles.generate(prefix: out, passphrase: passphrase)
            console.info("key \(key.keyIDText): wrote \(out).key (secret, mode 0600\(unencrypted ? ", unencrypted" : "")), \(out).pub and \(out).pem",
                         ["key_id": key.keyIDText])
        } catch let error as ReleaseFormatError {
            console.error(error.description)
            throw ExitCode(error.exitCode)
        }
    }
}

extension ReleaseFormatError {
    /// Exit codes of DESIGN.md: verification and malformed input 1, refused key 3, I/O and crypto 4.
    var exitCode: Int32 {
        switch self {
        case .malformed, .verification, .passphrase: 1
        case .insecureKey: 3
        case .io, .crypto: 4
        }
    }
}
