import Anonymization
import Foundation

/// The generalisations a differentially private record file's search may choose from, decided
/// before the data is read except for one differentially private count (``DPMicrodataRelease``).
///
/// Why: the exponential mechanism picks one candidate in proportion to e^(ε·u/Δu). When the
/// sample is small (a few hundred people), the only candidates that keep classes of k are coarse
/// ones, and among the 1,200 nodes of a six-column lattice they are a few dozen: the mechanism
/// could not tell them from the rest and chose a node that published nothing. Candidates that
/// cannot keep classes of k at the expected sample size are left out here, so the mechanism
/// chooses among fewer, mostly useful ones.
///
/// The rule, per column c of the lattice (shape from the policy) and level l:
/// - its *fan-out* f(c, l), the number of values the level can show, is counted from public
///   facts only where they bound it: a time column's labels over every hour of the release
///   window (the window is public), bands below their `top` (values from 0 up), the rows of a
///   hierarchy file (part of the policy). Where nothing public bounds it (street blocks, masks,
///   rounding, a column without a hierarchy, a level below the counted ones), each step down
///   from the level above is assumed to multiply the values by ``assumedStep``; `*` is 1;
/// - levels a public fact makes constant (f = 1 before `*`: a one-day window is one day, one
///   week and one month) show nothing the window's name does not: only the lowest of them stays
///   a candidate, `*` of such a column and its coarser constant levels do not;
/// - a node whose every column shows nothing (f = 1) is no candidate: it would publish rows that
///   say only that records exist;
/// - a node is a candidate when F = Π_c f(c, l_c) ≤ max(Ŝ / k, smallest F of the nodes above),
///   Ŝ = β·n̂ the expected sample size from a differentially private count n̂ of the people in the
///   window: an average class of at least k sampled people must be possible.
///
/// Privacy: the candidate set is a function of the policy, the release window, k, β and n̂ only.
/// n̂ is the output of an ε_count-differentially private mechanism (discrete Laplace, one person
/// changes the true count by 1) charged to the output's ε, so the candidate set, and anything
/// computed from it and the data by a DP mechanism, is covered by sequential composition. Two
/// neighbouring datasets with the same n̂ get exactly the same candidates (tested).
public enum RecordSearchCandidates {
    /// The assumed growth of the number of values per step down a hierarchy that no public fact bounds.
    public static let assumedStep = 4.0

    /// Fan-out of every level of `recipe`'s hierarchy for a window from `start` to `end` (public facts only).
    static func fanOut(_ recipe: HierarchyRecipe, start: Date, end: Date) -> [Double] {
        let height = recipe.height
        var known = [Double?](repeating: nil, count: height)
        known[height - 1] = 1
        func distinctLabels(_ hierarchy: Hierarchy?) {
            guard let hierarchy, hierarchy.height == height else { return }
            for level in 1..<(height - 1) { known[level] = Double(Set(hierarchy.rows.map { $0[level] }).count) }
        }
        switch recipe {
        case .time:
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            let hours = min(max(Int(end.timeIntervalSince(start) / 3600), 1), 100_000)
            let values = (0..<hours).map { formatter.string(from: start.addingTimeInterval(Double($0) * 3600 + 1800)) }
            distinctLabels(try? recipe.build(column: "time", values: values))
        case let .bands(_, top?):
            distinctLabels(try? recipe.build(column: "bands", values: (0...top).map(String.init)))
        case let .explicit(hierarchy):
            known[0] = Double(hierarchy.rows.count)
            distinctLabels(hierarchy)
        default:
            break
        }
        var result = [Double](repeating: 1, count: height)
        for level in stride(from: height - 2, through: 0, by: -1) {
            result[level] = known[level] ?? result[level + 1] * assumedStep
        }
        return result
    }

    /// The candidate levels of one column: from `lowest` up, the constant levels folded into the lowest of them.
    static func levels(fanOut: [Double], lowest: Int) -> [Int] {
        let top = fanOut.count - 1
        let first = min(lowest, top)
        if let constant = (first..<top).first(where: { fanOut[$0] <= 1 }) {
            return Array(first...constant)
        }
        return Array(first...top)
    }

    /// The candidate nodes, in the lattice's lexicographic order (see the type's documentation).
    ///
    /// - Parameters:
    ///   - recipes: one per column, in the lattice's column order (from the policy).
    ///   - lowest: each column's lowest level (from the policy).
    ///   - start, end: the release window (public).
    ///   - classes: Ŝ / k, the number of classes of k people the expected sample could fill (from n̂).
    public static func nodes(recipes: [HierarchyRecipe], lowest: [Int], start: Date, end: Date, classes: Double) -> [[Int]] {
        let fans = recipes.map { fanOut($0, start: start, end: end) }
        var nodes: [[Int]] = [[]]
        for (c, fan) in fans.enumerated() {
            let options = levels(fanOut: fan, lowest: lowest[c])
            nodes = nodes.flatMap { prefix in options.map { prefix + [$0] } }
        }
        func product(_ node: [Int]) -> Double { node.enumerated().reduce(1) { $0 * fans[$1.offset][$1.element] } }
        let informative = nodes.filter { product($0) > 1 }
        let pool = informative.isEmpty ? nodes : informative
        let smallest = pool.map(product).min() ?? 1
        let limit = max(classes, smallest)
        return pool.filter { product($0) <= limit }
    }
}
