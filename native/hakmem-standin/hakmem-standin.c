/* hakmem-standin: a small real allocator for the tests, LD_PRELOADed in place of hakmem. It is not
 * hakmem; it exists so that a "bring your own allocator" definition (test/fixtures/spaces/) can be
 * driven through a whole campaign with real knobs that change real behaviour.
 *
 * Size-class pools of 32 B .. HAKMEM_POOL_MAX_BYTES (powers of two), each refilled with
 * HAKMEM_REFILL_BLOCKS blocks from one mmap (MAP_POPULATE when HAKMEM_PREFAULT=1); larger or
 * over-aligned requests get their own mapping, returned on free. Freed pool blocks go back to their
 * pool's free list and are never returned to the kernel. Variables are read once, at the first call;
 * a bad value prints "hakmem-standin: error: ..." on stderr and keeps the default.
 * Read-back: hakmem_effective_options() gives the values in effect as KEY=VALUE lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEADER 16u
#define MIN_SHIFT 5 /* 32 B */
#define MAX_CLASSES 8 /* up to 4096 B */
#define LARGE_FLAG (1ull << 63)

typedef struct header {
  uint64_t info;  /* class index, or LARGE_FLAG | mapping length */
  void *base;     /* start of the mapping (large blocks only) */
} header;

typedef struct pool {
  pthread_mutex_t lock;
  void *free_list;
} pool;

static pool pools[MAX_CLASSES] = {
    {PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL},
    {PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL},
    {PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL},
};

static int class_count = 6;      /* HAKMEM_POOL_MAX_BYTES = 32 << (count - 1) = 1024 */
static long refill_blocks = 64;  /* HAKMEM_REFILL_BLOCKS */
static int prefault = 0;         /* HAKMEM_PREFAULT */
static volatile int configured = 0;
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static char effective[256];

static void complain(const char *name, const char *value, const char *rule) {
  char line[256];
  int n = snprintf(line, sizeof line, "hakmem-standin: error: %s=%.64s %s; the default is kept\n", name, value, rule);
  if (n > 0) (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static long read_long(const char *name, long min, long max, long fallback) {
  const char *text = getenv(name);
  if (text == NULL) return fallback;
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (text[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
    char rule[64];
    snprintf(rule, sizeof rule, "is not an integer in [%ld, %ld]", min, max);
    complain(name, text, rule);
    return fallback;
  }
  return v;
}

static void configure(void) {
  if (configured) return;
  pthread_mutex_lock(&config_lock);
  if (!configured) {
    long max_bytes = read_long("HAKMEM_POOL_MAX_BYTES", 32, 4096, 1024);
    if ((max_bytes & (max_bytes - 1)) != 0) {
      complain("HAKMEM_POOL_MAX_BYTES", getenv("HAKMEM_POOL_MAX_BYTES"), "is not a power of two");
      max_bytes = 1024;
    }
    class_count = __builtin_ctzl((unsigned long)max_bytes) - MIN_SHIFT + 1;
    refill_blocks = read_long("HAKMEM_REFILL_BLOCKS", 1, 4096, 64);
    prefault = (int)read_long("HAKMEM_PREFAULT", 0, 1, 0);
    snprintf(effective, sizeof effective, "HAKMEM_POOL_MAX_BYTES=%ld\nHAKMEM_REFILL_BLOCKS=%ld\nHAKMEM_PREFAULT=%d\n",
             32L << (class_count - 1), refill_blocks, prefault);
    __atomic_store_n(&configured, 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&config_lock);
}

/** The values in effect, one KEY=VALUE a line (what the alloctune probe reads back). */
const char *hakmem_effective_options(void) {
  configure();
  return effective;
}

/** Version of this stand-in. */
const char *hakmem_version(void) { return "standin-1.0"; }

static size_t class_size(int c) { return (size_t)1 << (c + MIN_SHIFT); }

static int class_of(size_t size) {
  for (int c = 0; c < class_count; c++)
    if (size <= class_size(c)) return c;
  return -1;
}

static void *map(size_t len, int populate) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void *large_alloc(size_t size, size_t align) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (size > SIZE_MAX / 2 || align > SIZE_MAX / 4) return NULL;
  size_t len = (size + HEADER + align + page - 1) / page * page;
  char *base = map(len, 0);
  if (base == NULL) return NULL;
  uintptr_t user = ((uintptr_t)base + HEADER + align - 1) / align * align;
  header *h = (header *)(user - HEADER);
  h->info = LARGE_FLAG | len;
  h->base = base;
  return (void *)user;
}

static void *pool_alloc(int c) {
  pool *p = &pools[c];
  pthread_mutex_lock(&p->lock);
  if (p->free_list == NULL) {
    size_t stride = HEADER + class_size(c);
    char *chunk = map(stride * (size_t)refill_blocks, prefault);
    if (chunk == NULL) {
      pthread_mutex_unlock(&p->lock);
      return NULL;
    }
    for (long i = refill_blocks - 1; i >= 0; i--) {
      header *h = (header *)(chunk + (size_t)i * stride);
      h->info = (uint64_t)c;
      void **slot = (void **)(h + 1);
      *slot = p->free_list;
      p->free_list = slot;
    }
  }
  void **block = p->free_list;
  p->free_list = *block;
  pthread_mutex_unlock(&p->lock);
  return block;
}

void *malloc(size_t size) {
  configure();
  int c = class_of(size == 0 ? 1 : size);
  void *p = c >= 0 ? pool_alloc(c) : large_alloc(size, HEADER);
  if (p == NULL) errno = ENOMEM;
  return p;
}

void free(void *ptr) {
  if (ptr == NULL) return;
  header *h = (header *)ptr - 1;
  if (h->info & LARGE_FLAG) {
    munmap(h->base, (size_t)(h->info & ~LARGE_FLAG));
    return;
  }
  pool *p = &pools[h->info];
  pthread_mutex_lock(&p->lock);
  *(void **)ptr = p->free_list;
  p->free_list = ptr;
  pthread_mutex_unlock(&p->lock);
}

size_t malloc_usable_size(void *ptr) {
  if (ptr == NULL) return 0;
  header *h = (header *)ptr - 1;
  if (h->info & LARGE_FLAG) return (size_t)(h->info & ~LARGE_FLAG) - (size_t)((char *)ptr - (char *)h->base);
  return class_size((int)h->info);
}

void *calloc(size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  void *p = malloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void *realloc(void *ptr, size_t size) {
  if (ptr == NULL) return malloc(size);
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  size_t have = malloc_usable_size(ptr);
  if (size <= have && !(((header *)ptr - 1)->info & LARGE_FLAG)) return ptr;
  void *q = malloc(size);
  if (q == NULL) return NULL;
  memcpy(q, ptr, have < size ? have : size);
  free(ptr);
  return q;
}

int posix_memalign(void **out, size_t align, size_t size) {
  if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
  configure();
  void *p = align <= HEADER ? malloc(size) : large_alloc(size, align);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

void *aligned_alloc(size_t align, size_t size) {
  void *p = NULL;
  int rc = posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size);
  if (rc != 0) errno = rc;
  return rc == 0 ? p : NULL;
}

void *memalign(size_t align, size_t size) { return aligned_alloc(align, size); }

void *valloc(size_t size) { return aligned_alloc((size_t)sysconf(_SC_PAGESIZE), size); }

void *pvalloc(size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return aligned_alloc(page, (size + page - 1) / page * page);
}
