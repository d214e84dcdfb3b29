import ArgumentParser
import ReleaseFormat

/// `--key` / `--keyring`: the public keys a verifying command trusts.
struct TrustedKeyOptions: ParsableArguments {
    @Option(help: "A trusted public key (.pub).")
    var key: String?

    @Option(help: "A folder of trusted public keys (.pub); any of them may have signed.")
    var keyring: String?

    /// The trusted keys; `fallback` is used when neither option is given (nil makes that a usage error).
    func load(fallback: String? = nil) throws -> [Minisign.PublicKey] {
        let single = key ?? (keyring == nil ? fallback : nil)
        guard single != nil || keyring != nil else { throw ValidationError("give --key PUBLIC.pub or --keyring DIR") }
        return try KeyFiles.loadPublicKeys(key: single, keyring: keyring)
    }
}
