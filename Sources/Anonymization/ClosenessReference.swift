import Foundation

/// The whole table's distribution of the sensitive column and the ground
/// distance, against which t-closeness measures each class (Li, Li &
/// Venkatasubramanian 2007, "t-Closeness: Privacy Beyond k-Anonymity and
/// ℓ-Diversity", §4: Earth Mover's Distance).
struct ClosenessReference {
    let distanceKind: TClosenessDistance
    /// Global share of each sensitive code.
    let global: [Double]
    /// Codes in ground order (ordered distance).
    let order: [Int]
    /// Hierarchical distance: parent node of each node, node level, leaf node of each code.
    let parents: [Int]
    let nodeLevels: [Int]
    let leafNode: [Int]
    let height: Int
    /// The data's sensitive code of each reference value (-1: absent from the data), when the
    /// reference is a larger population than the data (local recoding's later rounds); nil: the same.
    let dataCode: [Int]?

    /// The reference of `data`, or of `population` (every sensitive value and its count in the
    /// whole table) when `data` is a part of it: t-closeness is always measured against the whole.
    init(data: EncodedData, distance: TClosenessDistance,
         population: (labels: [String], counts: [Int])? = nil) throws(AnonymizationError) {
        distanceKind = distance
        let labels = population?.labels ?? data.sensitiveLabels
        let counts = population?.counts ?? data.sensitiveCounts
        let total = Double(max(counts.reduce(0, +), 1))
        global = counts.map { Double($0) / total }
        if population != nil {
            let codeOf = Dictionary(data.sensitiveLabels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            dataCode = labels.map { codeOf[$0] ?? -1 }
        } else {
            dataCode = nil
        }
        let numbers = labels.map { Double($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            order = labels.indices.sorted { (numbers[$0] ?? 0) < (numbers[$1] ?? 0) }
        } else {
            order = labels.indices.sorted { labels[$0] < labels[$1] }
        }
        var parents: [Int] = []
        var nodeLevels: [Int] = []
        var leafNode: [Int] = []
        var height = 0
        if distance == .hierarchical {
            guard let hierarchy = data.sensitiveHierarchy else {
                throw .invalidConfiguration("hierarchical t-closeness needs a hierarchy for the sensitive column")
            }
            height = hierarchy.height - 1
            var ids: [String: Int] = [:]
            func node(_ level: Int, _ label: String) -> Int {
                let key = "\(level)\u{0}\(label)"
                if let id = ids[key] { return id }
                let id = parents.count
                ids[key] = id
                parents.append(-1)
                nodeLevels.append(level)
                return id
            }
            for label in labels {
                guard let row = hierarchy.rows.first(where: { $0[0] == label }) else {
                    throw .valueNotCovered(column: hierarchy.column, value: label)
                }
                var child = node(0, label)
                leafNode.append(child)
                for level in 1..<hierarchy.height {
                    let parent = node(level, row[level])
                    parents[child] = parent
                    child = parent
                }
            }
        }
        self.parents = parents
        self.nodeLevels = nodeLevels
        self.leafNode = leafNode
        self.height = height
    }

    /// EMD between a class (sensitive counts in `histogram`, indexed by the data's codes, non-zero
    /// at `touched`) and the reference.
    func distance(histogram: [Int], touched: [Int32], total: Int) -> Double {
        let n = Double(total)
        // The class's count of reference value `index`.
        func count(_ index: Int) -> Double {
            guard let dataCode else { return Double(histogram[index]) }
            let code = dataCode[index]
            return code < 0 ? 0 : Double(histogram[code])
        }
        switch distanceKind {
        case .equal:
            // ½ Σ |p − q|: over the class's values p − q, elsewhere q.
            var sum = 0.0
            var globalTouched = 0.0
            if let dataCode {
                for (index, code) in dataCode.enumerated() where code >= 0 && histogram[code] > 0 {
                    sum += abs(Double(histogram[code]) / n - global[index])
                    globalTouched += global[index]
                }
            } else {
                for code in touched {
                    let q = global[Int(code)]
                    sum += abs(Double(histogram[Int(code)]) / n - q)
                    globalTouched += q
                }
            }
            return (sum + (1 - globalTouched)) / 2
        case .ordered:
            let m = order.count
            guard m > 1 else { return 0 }
            var cumulative = 0.0, sum = 0.0
            for index in order {
                cumulative += count(index) / n - global[index]
                sum += abs(cumulative)
            }
            return sum / Double(m - 1)
        case .hierarchical:
            // Bottom-up: each internal node pays level/H × min(positive extra, negative extra) of its children.
            var extra = [Double](repeating: 0, count: parents.count)
            var positive = [Double](repeating: 0, count: parents.count)
            var negative = [Double](repeating: 0, count: parents.count)
            for (index, leaf) in leafNode.enumerated() { extra[leaf] = count(index) / n - global[index] }
            var cost = 0.0
            for level in 0..<height {
                for node in parents.indices where nodeLevels[node] == level {
                    let parent = parents[node]
                    guard parent >= 0 else { continue }
                    extra[parent] += extra[node]
                    if extra[node] > 0 { positive[parent] += extra[node] } else { negative[parent] -= extra[node] }
                }
                for node in parents.indices where nodeLevels[node] == level + 1 {
                    cost += Double(level + 1) / Double(height) * min(positive[node], negative[node])
                }
            }
            return cost
        }
    }
}
