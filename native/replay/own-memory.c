#include "own-memory.h"

#include <stdatomic.h>
#include <sys/mman.h>

static _Atomic size_t held;

void *own_alloc(size_t bytes) {
  if (bytes == 0) bytes = 1;
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  atomic_fetch_add(&held, bytes);
  return p;
}

void own_free(void *p, size_t bytes) {
  if (p == NULL) return;
  if (bytes == 0) bytes = 1;
  munmap(p, bytes);
  atomic_fetch_sub(&held, bytes);
}

size_t own_bytes(void) { return atomic_load(&held); }
