// glibc's allocator settings (mallopt(3)), for a process that allocates and frees arrays of
// tens of megabytes many times over: see Tabular's HeapPolicy. Elsewhere these are no-ops.
#include <stdlib.h> // defines __GLIBC__ under glibc
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// Keeps freed memory in one heap for reuse instead of handing it back to the kernel:
/// large blocks come from the heap, not from their own mapping (M_MMAP_MAX 0); the heap's
/// top is never trimmed (M_TRIM_THRESHOLD); every thread shares the main heap (M_ARENA_MAX 1).
/// Returns 1 when every setting was accepted, 0 otherwise (and always 0 without glibc).
static inline int opendata_keep_freed_memory(void) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_MAX, 0) && mallopt(M_TRIM_THRESHOLD, 0x7fffffff) && mallopt(M_ARENA_MAX, 1);
#else
    return 0;
#endif
}
