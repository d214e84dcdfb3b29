import Dispatch
import Foundation

/// Independent jobs on every core, their results in job order: the one place the project
/// hands work to `DispatchQueue.concurrentPerform` and collects what each job produced.
///
/// Guarantee: job `i` writes only slot `i` of the result, each slot exactly once, and the
/// caller reads the slots only after every job has returned, so no lock is needed and the
/// result is the same as running the jobs one after another.
public enum Parallel {
    /// The cores this process may use.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `[job(0), job(1), …, job(count − 1)]`, computed concurrently.
    public static func map<T>(_ count: Int, _ job: (Int) -> T) -> [T] {
        guard count > 1 else { return count == 1 ? [job(0)] : [] }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        nonisolated(unsafe) let output = slots
        withoutActuallyEscaping(job) { job in
            nonisolated(unsafe) let work = job
            DispatchQueue.concurrentPerform(iterations: count) { index in output[index] = work(index) }
        }
        return slots.map { slot in
            guard let value = slot else { preconditionFailure("a parallel job returned no result") }
            return value
        }
    }

    /// `job` over `0..<count` cut into `cores` consecutive ranges of equal size (the last may be
    /// shorter or empty), or over the whole as one range when `count` is below `minimum`; the
    /// results in range order.
    public static func map<T>(ranges count: Int, minimum: Int, cores: Int = Parallel.cores,
                              _ job: (Range<Int>) -> T) -> [T] {
        let parts = count < minimum ? 1 : max(cores, 1)
        let chunk = (count + parts - 1) / parts
        return map(parts) { part in job(min(part * chunk, count)..<min((part + 1) * chunk, count)) }
    }

    /// An array of `count` elements built on every core: `fill(range, buffer)` must initialise
    /// exactly the elements `range` of `buffer` (the whole array's storage), each once; the ranges
    /// are those of ``map(ranges:minimum:cores:_:)``, so they never overlap.
    public static func array<T>(count: Int, minimum: Int, cores: Int = Parallel.cores,
                                _ fill: (Range<Int>, UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let output = buffer
            _ = map(ranges: count, minimum: minimum, cores: cores) { range in fill(range, output) }
            initialized = count
        }
    }

    /// A stable counting sort of `0..<count` into `buckets` buckets, on `cores` cores: `element(i)`
    /// for every i, in bucket order (`bucket(i)`, in `0..<buckets`), ascending i within a bucket;
    /// and where each bucket begins (`buckets + 1` entries, the last `count`).
    ///
    /// Each core counts a consecutive share of the i per bucket, then writes its share's elements
    /// of each bucket after those of the shares before it, so the result is the same as one pass.
    /// `bucket` is called twice for each i; shares are used only from `minimum` elements on.
    public static func bucketed<T>(count: Int, buckets: Int, minimum: Int, cores: Int = Parallel.cores,
                                   bucket: (Int) -> Int, element: (Int) -> T) -> (elements: [T], starts: [Int]) {
        let shares = map(ranges: count, minimum: minimum, cores: cores) { $0 }
        // Each share's count per bucket, then, in place, where its elements of each bucket go.
        var cursors = map(shares.count) { share in
            var tally = [Int](repeating: 0, count: buckets)
            for i in shares[share] { tally[bucket(i)] += 1 }
            return tally
        }
        var starts = [Int](repeating: 0, count: buckets + 1)
        var running = 0
        for index in 0..<buckets {
            starts[index] = running
            for share in cursors.indices {
                let tally = cursors[share][index]
                cursors[share][index] = running
                running += tally
            }
        }
        starts[buckets] = running
        let elements = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let output = buffer
            _ = map(shares.count) { share in
                var next = cursors[share]
                for i in shares[share] {
                    let index = bucket(i)
                    output.initializeElement(at: next[index], to: element(i))
                    next[index] += 1
                }
                return 0
            }
            initialized = count
        }
        return (elements, starts)
    }
}
