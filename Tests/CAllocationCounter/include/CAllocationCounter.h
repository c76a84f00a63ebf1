#ifndef THEINE_C_ALLOCATION_COUNTER_H
#define THEINE_C_ALLOCATION_COUNTER_H

#include <stddef.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

/// Bytes currently allocated through malloc in this process (glibc), or 0 where unknown.
static inline size_t theine_allocated_bytes(void) {
#if defined(__GLIBC__)
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}

#endif
