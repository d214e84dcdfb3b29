import DifferentialPrivacy

/// Seeded words that claim to be cryptographic, so the release code accepts them, in tests only:
/// the same seed gives two runs the same words (a neighbouring pair, a golden run).
final class ReplayedRandom: RandomSource {
    let inner: SeededRandom
    init(seed: UInt64) { inner = SeededRandom(seed: seed) }
    var isCryptographic: Bool { true }
    func nextWord() -> UInt64 { inner.nextWord() }
}
