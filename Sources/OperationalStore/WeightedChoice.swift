import Foundation
import Tabular

/// Draws indices with probabilities proportional to fixed weights, by binary
/// search over the cumulative weights.
struct WeightedChoice: Sendable {
    private let cumulative: [Double]

    init(weights: [Double]) {
        var total = 0.0
        cumulative = weights.map { total += $0; return total }
    }

    /// Zipf weights 1/rank^s for `count` ranks.
    static func zipf(count: Int, exponent: Double) -> WeightedChoice {
        WeightedChoice(weights: (1...max(count, 1)).map { 1 / pow(Double($0), exponent) })
    }

    func pick(_ generator: inout SeededGenerator) -> Int {
        let target = generator.unit() * (cumulative.last ?? 0)
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
