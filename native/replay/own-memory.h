/* The replayer's own memory comes straight from mmap, never from the allocator under test: the
 * trace, the plan and the bookkeeping must not warm up, fragment or inflate the heap being measured.
 * Every mapping the replayer makes itself goes through here and is kept in a registry, so that the
 * resident part of them can be taken out of the RSS (own_resident_bytes). Not in it: the binary and
 * its libraries, the main stack and the replay threads' stacks (glibc maps those, and the allocator's
 * thread-local state lives in them), and everything that goes through malloc. */
#ifndef TRACEREPLAY_OWN_MEMORY_H
#define TRACEREPLAY_OWN_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* At most this many own mappings live at once (the replayer makes about a dozen: one table per kind,
 * never one per thread or per object); own_alloc fails beyond it. */
#define OWN_MAX_REGIONS 256

/* Zeroed pages, or NULL. */
void *own_alloc(size_t bytes);
void own_free(void *p, size_t bytes);
/* A read-only private mapping of a file (the trace), or NULL; released with own_unmap_file. */
const void *own_map_file(int fd, size_t bytes);
void own_unmap_file(const void *p, size_t bytes);
/* Bytes currently held through own_alloc (reported as the replayer's overhead). */
size_t own_bytes(void);
/* Bytes of the own mappings resident now (page granular; see own-memory.c for how it is exact). */
uint64_t own_resident_bytes(void);
/* Own mappings alive now. */
int own_region_count(void);

#endif
