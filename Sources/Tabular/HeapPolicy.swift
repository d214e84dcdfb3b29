import CMalloc

/// How the executables ask the C library's allocator to treat freed memory.
///
/// A release at ten million rows allocates and frees columns of tens of megabytes many times
/// (a person column, its codes, masks, per-row measures). glibc serves each such block from a
/// mapping of its own and unmaps it when freed, so the next one faults every page in again,
/// zeroed by the kernel; threads' own heaps are trimmed the same way. Measured on the
/// 10 M-row review release (2 cores): 345 k page faults by default, 214 k with this policy;
/// 0.55 s less wall time when the machine's free memory is cold (right after an import), no
/// change in peak memory (890–930 MB either way).
///
/// The policy trades returning memory to the system early for reusing it: the process keeps
/// its high-water mark until it exits, which is what a batch run wants. It has no bearing on
/// what is published; freed memory stays inside this process, as it did before (the kernel
/// zeroes pages between processes either way).
public enum HeapPolicy {
    /// Keeps freed memory in one heap for reuse: large blocks from the heap rather than their own
    /// mappings, the heap never trimmed, one heap for every thread (glibc's `mallopt(3)`:
    /// `M_MMAP_MAX` 0, `M_TRIM_THRESHOLD` 2³¹ − 1, `M_ARENA_MAX` 1). Call it once, first thing in
    /// `main`, before any thread starts.
    /// - Returns: true when the C library took every setting (false without glibc, where the
    ///   allocator is left as it is).
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        opendata_keep_freed_memory() != 0
    }
}
