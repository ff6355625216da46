#ifndef WARRANT_CMALLOC_SHIM_H
#define WARRANT_CMALLOC_SHIM_H
// glibc's allocator statistics (mallinfo2), which Swift's Glibc module does not import:
// a node reports them so that a soak can tell memory in use from memory the allocator
// holds (a leak from fragmentation).
#include <malloc.h>
#endif
