/* The replayer's own memory comes straight from mmap, never from the allocator under test: the
 * trace, the plan and the bookkeeping must not warm up, fragment or inflate the heap being measured. */
#ifndef TRACEREPLAY_OWN_MEMORY_H
#define TRACEREPLAY_OWN_MEMORY_H

#include <stddef.h>

/* Zeroed pages, or NULL. */
void *own_alloc(size_t bytes);
void own_free(void *p, size_t bytes);
/* Bytes currently held through own_alloc (reported as the replayer's overhead). */
size_t own_bytes(void);

#endif
