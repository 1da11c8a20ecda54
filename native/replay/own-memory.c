#include "own-memory.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct own_region {
  uintptr_t start;
  size_t length; /* whole pages, as mapped */
} own_region;

static _Atomic size_t held;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static own_region regions[OWN_MAX_REGIONS];
static int region_count;

static size_t page_bytes(void) {
  static size_t page;
  if (page == 0) page = (size_t)sysconf(_SC_PAGESIZE);
  return page;
}

static size_t whole_pages(size_t bytes) {
  size_t page = page_bytes();
  return (bytes + page - 1) / page * page;
}

static int track(const void *p, size_t bytes) {
  pthread_mutex_lock(&lock);
  int ok = region_count < OWN_MAX_REGIONS;
  if (ok) regions[region_count++] = (own_region){(uintptr_t)p, whole_pages(bytes)};
  pthread_mutex_unlock(&lock);
  return ok;
}

static void untrack(const void *p) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < region_count; i++)
    if (regions[i].start == (uintptr_t)p) {
      regions[i] = regions[--region_count];
      break;
    }
  pthread_mutex_unlock(&lock);
}

void *own_alloc(size_t bytes) {
  if (bytes == 0) bytes = 1;
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  if (!track(p, bytes)) {
    munmap(p, bytes);
    errno = ENOMEM;
    return NULL;
  }
  atomic_fetch_add(&held, bytes);
  return p;
}

void own_free(void *p, size_t bytes) {
  if (p == NULL) return;
  if (bytes == 0) bytes = 1;
  untrack(p);
  munmap(p, bytes);
  atomic_fetch_sub(&held, bytes);
}

const void *own_map_file(int fd, size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return NULL;
  if (!track(p, bytes)) {
    munmap(p, bytes);
    errno = ENOMEM;
    return NULL;
  }
  return p;
}

void own_unmap_file(const void *p, size_t bytes) {
  if (p == NULL) return;
  untrack(p);
  munmap((void *)p, bytes);
}

size_t own_bytes(void) { return atomic_load(&held); }

int own_region_count(void) {
  pthread_mutex_lock(&lock);
  int n = region_count;
  pthread_mutex_unlock(&lock);
  return n;
}

/* mincore over the registered ranges, not /proc/self/smaps: smaps reports whole VMAs, and the kernel
 * merges adjacent anonymous mappings with equal flags, so an own table and a chunk the allocator
 * mmapped next to it can be one VMA that smaps cannot split; mincore answers for exactly our
 * addresses. It is also the cheaper one: smaps walks every mapping of the process (the allocator's
 * whole heap included) and formats text under the mmap lock, mincore walks our page tables only,
 * one call per 16 MiB, no allocation. A transparent huge page reports all its 4 KiB pages resident,
 * as RSS counts them. Where it can differ from RSS (never by more than those pages): a page only
 * read so far maps the shared zero page, which mincore reports resident and RSS does not count (own
 * tables are written before they are read, except a wait on `ready` that reads its entry first, and
 * the entry is written right after), and a file mapping is reported by page-cache residency (the
 * trace's is unmapped in trace_load, before the baseline, so no measurement ever sees it). */
uint64_t own_resident_bytes(void) {
  static unsigned char vec[4096];
  size_t page = page_bytes();
  uint64_t pages = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < region_count; i++) {
    for (size_t off = 0; off < regions[i].length; off += sizeof vec * page) {
      size_t len = regions[i].length - off;
      if (len > sizeof vec * page) len = sizeof vec * page;
      int rc, tries = 0;
      while ((rc = mincore((void *)(regions[i].start + off), len, vec)) != 0 && errno == EAGAIN && ++tries < 8) {
      }
      /* Our own ranges are mapped and vec is ours: a failure is the kernel's lack of memory; count
       * the window as resident, so that the metric never claims less of the replayer than is there. */
      if (rc != 0) pages += len / page;
      else
        for (size_t k = 0; k < len / page; k++) pages += vec[k] & 1;
    }
  }
  pthread_mutex_unlock(&lock);
  return pages * page;
}
