// Counts a process's heap allocations, for scripts/bench-allocations. Preload it
// (LD_PRELOAD=malloc-counter.so) and the counts live in /dev/shm/malloc-counter.PID, a shared
// mapping that `client bench` reads next to the process's CPU time and memory: every figure it
// prints per operation then comes with allocations per operation. Counting costs two atomic
// adds per call; the allocator itself is glibc's.
//
// The file holds four little-endian 64-bit counters: allocations (malloc, calloc, the aligned
// ones), reallocations, frees, and bytes asked for.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

struct counts {
    _Atomic uint64_t allocations, reallocations, frees, bytes;
};

// Counted here until the constructor has mapped the file (the loader allocates before it).
static struct counts early;
static struct counts *counts = &early;
static char path[64];

static inline void counted(void *block, size_t size) {
    if (block) {
        atomic_fetch_add_explicit(&counts->allocations, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&counts->bytes, size, memory_order_relaxed);
    }
}

void *malloc(size_t size) {
    void *block = __libc_malloc(size);
    counted(block, size);
    return block;
}

void *calloc(size_t count, size_t size) {
    void *block = __libc_calloc(count, size);
    counted(block, count * size);
    return block;
}

void *realloc(void *old, size_t size) {
    if (!old) return malloc(size);
    void *block = __libc_realloc(old, size);
    if (block) {
        atomic_fetch_add_explicit(&counts->reallocations, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&counts->bytes, size, memory_order_relaxed);
    }
    return block;
}

void free(void *block) {
    if (block) atomic_fetch_add_explicit(&counts->frees, 1, memory_order_relaxed);
    __libc_free(block);
}

void *memalign(size_t alignment, size_t size) {
    void *block = __libc_memalign(alignment, size);
    counted(block, size);
    return block;
}

void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

int posix_memalign(void **result, size_t alignment, size_t size) {
    void *block = memalign(alignment, size);
    if (!block) return ENOMEM;
    *result = block;
    return 0;
}

__attribute__((constructor)) static void map_counts(void) {
    snprintf(path, sizeof path, "/dev/shm/malloc-counter.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    if (ftruncate(fd, sizeof(struct counts)) == 0) {
        void *shared = mmap(NULL, sizeof(struct counts), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (shared != MAP_FAILED) {
            struct counts *mapped = shared;
            atomic_store(&mapped->allocations, atomic_load(&early.allocations));
            atomic_store(&mapped->reallocations, atomic_load(&early.reallocations));
            atomic_store(&mapped->frees, atomic_load(&early.frees));
            atomic_store(&mapped->bytes, atomic_load(&early.bytes));
            counts = mapped;
        }
    }
    close(fd);
}

// A process that exits normally leaves no file behind; the script removes what a killed one left.
__attribute__((destructor)) static void remove_counts(void) { unlink(path); }
