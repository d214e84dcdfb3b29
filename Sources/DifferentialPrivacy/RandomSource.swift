import COpenSSL
import Tabular

/// A source of uniformly random 64-bit words for the samplers.
///
/// Production noise comes only from ``SystemRandom`` (the operating system's
/// CSPRNG through OpenSSL); ``SeededRandom`` exists so tests can repeat a run,
/// and a release refuses any source whose ``isCryptographic`` is false.
public protocol RandomSource: AnyObject {
    /// A uniformly distributed word.
    func nextWord() -> UInt64
    /// True only for a cryptographically secure, unpredictable source.
    var isCryptographic: Bool { get }
}

/// Errors of the randomness source.
public enum RandomSourceError: Error, Sendable, CustomStringConvertible {
    /// OpenSSL's DRBG could not produce bytes (an unseeded or failed RNG).
    case unavailable(String)

    public var description: String {
        switch self {
        case let .unavailable(reason): "the operating system's random number generator failed: \(reason)"
        }
    }
}

/// The OS CSPRNG through OpenSSL `RAND_bytes` (NIST SP 800-90A DRBG seeded from
/// the kernel), read 4 KiB at a time so each word costs a few nanoseconds.
///
/// Not thread-safe: give each thread its own instance.
public final class SystemRandom: RandomSource {
    private var buffer = [UInt64](repeating: 0, count: 512)
    private var position = 512

    /// Creates a source, checking once that OpenSSL can produce random bytes.
    ///
    /// - Throws: ``RandomSourceError/unavailable(_:)`` when `RAND_bytes` fails.
    public init() throws(RandomSourceError) {
        try refill()
        position = 0
    }

    public var isCryptographic: Bool { true }

    private func refill() throws(RandomSourceError) {
        let ok = buffer.withUnsafeMutableBytes { bytes in
            RAND_bytes(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(bytes.count))
        }
        guard ok == 1 else { throw .unavailable("RAND_bytes returned \(ok)") }
        position = 0
    }

    public func nextWord() -> UInt64 {
        if position == buffer.count {
            // A DRBG that has worked once does not fail later short of memory corruption;
            // stopping is the only safe answer if it does.
            do { try refill() } catch { fatalError("\(error)") }
        }
        let word = buffer[position]
        position += 1
        return word
    }
}

/// A repeatable generator (xoshiro256** seeded through SplitMix64) for tests.
/// Never use it for published noise; releases refuse it.
public final class SeededRandom: RandomSource {
    private var generator: SeededGenerator

    /// A source whose words depend only on `seed` (the same words as ``Tabular/SeededGenerator``).
    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    public var isCryptographic: Bool { false }

    public func nextWord() -> UInt64 { generator.next() }
}
