/* liballoctune-tracer.so: LD_PRELOAD allocation tracer, format v1 (native/tracer/FORMAT.md).
 *
 * Preload it FIRST, before any allocator library: every malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, aligned_alloc, memalign, valloc and pvalloc is passed to whatever comes next in the
 * symbol search order (glibc, or jemalloc/mimalloc/tcmalloc preloaded after it, or the allocator the
 * program links) through dlsym(RTLD_NEXT), and recorded with its usable size.
 *
 * Environment (set by `alloctune trace record` only):
 *   ALLOCTUNE_TRACE_FILE=/abs/NAME.trace   output; created with O_EXCL, so the first process that loads
 *                                          the tracer owns it ("the process it was started for"). If that
 *                                          process executes another program in place (same pid), the
 *                                          trace restarts with the new program.
 *   ALLOCTUNE_TRACE_FOLLOW_FORKS=1         a fork child writes its own NAME.<pid>.trace (default: the
 *                                          child is not traced and drops the parent's buffers).
 *   ALLOCTUNE_TRACE_FOLLOW_EXEC=1          a later process image (an exec'd child, or an exec in place)
 *                                          writes NAME.<pid>.trace (default: not traced).
 *
 * Concurrency and signals. Each thread appends to its own buffer (mmap'd, never malloc'd). A slot is
 * reserved with one atomic add on the thread's own counter, so an allocation made by a signal handler
 * that interrupts the tracer is still recorded, in the next slot. Only the outermost call of a thread
 * flushes, and it flushes with every signal blocked: the write lock is therefore never held while a
 * signal handler of that thread runs, so a handler's allocation can never wait for it. The handful of
 * allocations the tracer itself causes (dlsym, pthread_setspecific) run under a thread-local guard and
 * are not traced. Before dlsym has answered, allocations come from a small static arena that is never
 * given to the real allocator (its frees are ignored).
 * Process end: the exit-time flusher stops new calls (Dekker handshake on g_closed and each thread's
 * depth, its fence made by membarrier(2) so that calls pay none), waits for calls in flight, writes
 * every thread's buffer, then the trailer.
 * Each thread's 96 KiB buffer is mmap'd at its first traced call and never unmapped (a thread's TLS
 * teardown may still free after its key destructor ran; those records go out at process exit), so a
 * program that starts many threads keeps that much virtual memory per thread, resident only as touched.
 * Signals: SIGTERM/SIGHUP/SIGQUIT left at their default by the program get a handler that completes
 * the trace and re-raises (FORMAT.md, "Signals"). SIGINT is left alone: interpreters (CPython) install
 * their Ctrl-C handling only over a default disposition, and tracing must not change what a program does.
 * Known limits: a process killed by SIGKILL or another unhandled signal, or calling only the raw exit
 * syscall, leaves no trailer; every exec entry point is wrapped (execl/execlp/execle too: glibc's call
 * execve internally, past the PLT);
 * operator new/delete are seen only where they reach malloc/free; allocator-specific entry points
 * (mallocx, sdallocx, ...) are not traced. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TRACER_VERSION "1.0.0"
#define FORMAT_VERSION 1u
#define BLOCK_MAGIC 0x4B4C4243u
#define TRAILER_MAGIC 0x444E4543u
#define CAP 2048u                 /* records per thread buffer (96 KiB) */
#define NESTED_MARGIN 64u         /* slots kept free for signal-handler allocations */
#define FLUSH_AT (CAP - NESTED_MARGIN)
#define HEADER_MAX (256u * 1024u) /* header JSON buffer; the format allows up to 1 MiB */
#define TLS __thread __attribute__((tls_model("initial-exec")))

enum { OP_MALLOC = 1, OP_CALLOC, OP_REALLOC, OP_FREE, OP_POSIX_MEMALIGN, OP_ALIGNED_ALLOC, OP_MEMALIGN, OP_VALLOC, OP_PVALLOC };
enum { STATE_UNDECIDED = 0, STATE_TRACING = 1, STATE_OFF = 2 };

typedef struct {
  uint64_t seq, t_ns, ptr, size, aux;
  uint16_t op, flags;
  uint32_t usable;
} record_t;
_Static_assert(sizeof(record_t) == 48, "record is 48 bytes");

typedef struct tbuf {
  uint32_t reserved, committed; /* slots taken / slots written */
  int depth;                    /* tracer frames active on this thread (the exit flusher waits for 0) */
  uint32_t index;
  int32_t tid;
  struct tbuf *next;
  record_t recs[CAP];
} tbuf_t;

/* ---- real functions ---- */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static size_t (*real_usable)(void *);
static int g_resolved;

/* ---- bootstrap arena (dlsym calls calloc before real_calloc is known) ---- */
#define ARENA_BYTES (256u * 1024u)
static _Alignas(64) unsigned char arena[ARENA_BYTES];
static size_t arena_used;

static int in_arena(const void *p) { return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + ARENA_BYTES; }

static void *arena_alloc(size_t size, size_t align) {
  if (align < 16) align = 16;
  if (size > ARENA_BYTES || align > 4096) return NULL;
  size_t need = size + align + 16;
  size_t at = __atomic_fetch_add(&arena_used, need, __ATOMIC_RELAXED);
  if (at + need > ARENA_BYTES) return NULL;
  uintptr_t user = ((uintptr_t)(arena + at) + 16 + align - 1) & ~(uintptr_t)(align - 1);
  ((size_t *)user)[-1] = size;
  return (void *)user;
}

static size_t arena_size(const void *p) { return ((const size_t *)p)[-1]; }

static TLS int t_resolving;

/* dlsym may allocate: while this thread resolves, its allocations come from the arena. */
static void resolve(void) {
  if (__atomic_load_n(&g_resolved, __ATOMIC_ACQUIRE) || t_resolving) return;
  t_resolving = 1;
  /* Each assignment is atomic; threads racing here assign the same values. */
  __atomic_store_n(&real_calloc, (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_malloc, (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_free, (void (*)(void *))dlsym(RTLD_NEXT, "free"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_realloc, (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc"), __ATOMIC_RELEASE);
  real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
  real_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
  real_usable = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
  t_resolving = 0;
  __atomic_store_n(&g_resolved, 1, __ATOMIC_RELEASE);
}

/* ---- tracing state ---- */
static int g_state;          /* STATE_* */
static int g_closed;         /* set by the exit flusher: no new traced call may start */
static pid_t g_pid;          /* the process whose trace is open */
static int g_fd = -1;
static dev_t g_dev;
static ino_t g_ino;
static uint64_t g_seq;
static uint64_t g_t0_ns;
static uint32_t g_threads;
static tbuf_t *g_registry;
static uint64_t g_dropped;
static uint64_t g_flushed;  /* records written in blocks (under g_lock): the signal path checks it against g_seq */
/* Set by the handler when it closed the trace but a record was in flight on the thread it interrupted:
 * the trailer is then written by a later attempt (a one-shot timer sends the signal again). */
static int g_signal_closed;
static int g_signal_attempts;
static int g_retry_timer = -1; /* kernel timer id */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t g_key;
static int g_follow_forks, g_follow_exec;
static char g_base[4096];    /* output path without ".trace" */
static int g_argc;
static char **g_argv;
static sigset_t g_fork_mask;

static TLS tbuf_t *t_self;
static TLS int t_internal;   /* the tracer's own allocations: not traced */

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- crc32 (IEEE, zlib's), slice-by-16 (~2x slice-by-8 here; it is most of a block write) ---- */
static uint32_t crc_table[16][256];

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 16; t++) crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

static uint32_t crc32_ieee(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  while (n >= 16) {
    uint32_t w[4];
    memcpy(w, p, 16);
    w[0] ^= c;
    c = crc_table[15][w[0] & 0xff] ^ crc_table[14][(w[0] >> 8) & 0xff] ^ crc_table[13][(w[0] >> 16) & 0xff] ^ crc_table[12][w[0] >> 24] ^
        crc_table[11][w[1] & 0xff] ^ crc_table[10][(w[1] >> 8) & 0xff] ^ crc_table[9][(w[1] >> 16) & 0xff] ^ crc_table[8][w[1] >> 24] ^
        crc_table[7][w[2] & 0xff] ^ crc_table[6][(w[2] >> 8) & 0xff] ^ crc_table[5][(w[2] >> 16) & 0xff] ^ crc_table[4][w[2] >> 24] ^
        crc_table[3][w[3] & 0xff] ^ crc_table[2][(w[3] >> 8) & 0xff] ^ crc_table[1][(w[3] >> 16) & 0xff] ^ crc_table[0][w[3] >> 24];
    p += 16;
    n -= 16;
  }
  while (n >= 8) {
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^ crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
        crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^ crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/* ---- output ---- */
static void note(const char *text) { (void)!write(2, text, strlen(text)); }

/* Writes all of iov; refuses (and stops tracing) if the descriptor no longer is our file: a program
 * that closed it and reused the number must never get trace bytes in its own file or socket. */
static int write_all(struct iovec *iov, int n) {
  struct stat st;
  if (g_fd < 0 || fstat(g_fd, &st) != 0 || st.st_dev != g_dev || st.st_ino != g_ino) {
    if (g_state == STATE_TRACING) note("alloctune-tracer: the trace file descriptor was closed by the program; tracing stopped\n");
    __atomic_store_n(&g_state, STATE_OFF, __ATOMIC_SEQ_CST);
    return -1;
  }
  while (n > 0) {
    ssize_t w = writev(g_fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      note("alloctune-tracer: write to the trace file failed; tracing stopped\n");
      __atomic_store_n(&g_state, STATE_OFF, __ATOMIC_SEQ_CST);
      return -1;
    }
    while (n > 0 && (size_t)w >= iov->iov_len) {
      w -= (ssize_t)iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (char *)iov->iov_base + w;
      iov->iov_len -= (size_t)w;
    }
  }
  return 0;
}

/* Writes t's committed records as one block and empties it. Caller holds g_lock with signals blocked. */
static void write_block(tbuf_t *t) {
  uint32_t count = __atomic_load_n(&t->committed, __ATOMIC_ACQUIRE);
  if (count == 0) return;
  uint32_t hdr[4] = {BLOCK_MAGIC, t->index, count, crc32_ieee((const unsigned char *)t->recs, (size_t)count * sizeof(record_t))};
  struct iovec iov[2] = {{hdr, sizeof hdr}, {t->recs, (size_t)count * sizeof(record_t)}};
  if (g_state == STATE_TRACING) write_all(iov, 2);
  g_flushed += count;
  __atomic_store_n(&t->committed, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&t->reserved, 0, __ATOMIC_RELAXED);
}

static void lock_blocked(sigset_t *old) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, old);
  pthread_mutex_lock(&g_lock);
}

static void unlock_blocked(const sigset_t *old) {
  pthread_mutex_unlock(&g_lock);
  pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- header JSON, built without malloc ---- */
static char header_buf[HEADER_MAX];
static size_t header_len;

static void put(const char *s) {
  size_t n = strlen(s);
  if (header_len + n < HEADER_MAX) {
    memcpy(header_buf + header_len, s, n);
    header_len += n;
  }
}

static void put_string(const char *s) {
  char esc[8];
  put("\"");
  for (const unsigned char *c = (const unsigned char *)s; *c && header_len + 16 < HEADER_MAX; c++) {
    if (*c == '"' || *c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*c;
      esc[2] = 0;
    } else if (*c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", *c);
    } else {
      esc[0] = (char)*c;
      esc[1] = 0;
    }
    put(esc);
  }
  put("\"");
}

static void put_u64(uint64_t v) {
  char num[24];
  snprintf(num, sizeof num, "%llu", (unsigned long long)v);
  put(num);
}

static const char *const ENV_PREFIXES[] = {"LD_PRELOAD=", "MALLOC_", "GLIBC_TUNABLES=", "MIMALLOC_", "TCMALLOC_", "JEMALLOC_", "_RJEM_", "HAKMEM_", "ALLOCTUNE_TRACE_FOLLOW"};

static void build_header(const char *origin, uint64_t start_unix_ns) {
  header_len = 0;
  put("{\"tracer_version\":\"" TRACER_VERSION "\",\"pid\":");
  put_u64((uint64_t)getpid());
  put(",\"ppid\":");
  put_u64((uint64_t)getppid());
  put(",\"origin\":\"");
  put(origin);
  put("\",\"argv\":[");
  for (int i = 0; i < g_argc && g_argv && g_argv[i]; i++) {
    if (i) put(",");
    put_string(g_argv[i]);
  }
  put("],\"start_unix_ns\":");
  put_u64(start_unix_ns);
  put(",\"clock\":\"CLOCK_MONOTONIC\",\"page_size\":");
  put_u64((uint64_t)sysconf(_SC_PAGESIZE));
  put(",\"env\":{");
  int first = 1;
  for (char **e = environ; e && *e; e++) {
    for (size_t k = 0; k < sizeof ENV_PREFIXES / sizeof *ENV_PREFIXES; k++) {
      if (strncmp(*e, ENV_PREFIXES[k], strlen(ENV_PREFIXES[k])) != 0) continue;
      const char *eq = strchr(*e, '=');
      if (eq == NULL || (size_t)(eq - *e) >= 256) break;
      char name[256];
      memcpy(name, *e, (size_t)(eq - *e));
      name[eq - *e] = 0;
      if (!first) put(",");
      put_string(name);
      put(":");
      put_string(eq + 1);
      first = 0;
      break;
    }
  }
  put("}}");
}

/* True when the trace at `path` was started by this very pid: an earlier image of this process that
 * executed the program now starting (a wrapper script ending in `exec`). */
static int started_by_this_pid(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char head[257];
  ssize_t n = read(fd, head, sizeof head - 1);
  close(fd);
  if (n < 16) return 0;
  head[n] = 0;
  for (ssize_t i = 16; i < n; i++)
    if (head[i] == 0) head[i] = ' ';
  const char *pid = strstr(head + 16, "\"pid\":");
  return pid != NULL && atol(pid + 6) == (long)getpid();
}

/* Opens `path` for a new trace and writes the header; 0 on success. EEXIST is returned as -EEXIST.
 * `replace`: truncate an existing file instead. */
static int open_trace_mode(const char *path, const char *origin, int replace) {
  int fd = open(path, O_WRONLY | O_CREAT | (replace ? O_TRUNC : O_EXCL) | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return -errno;
  /* Far from the low numbers programs iterate over and close. */
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 512);
  if (high >= 0) {
    close(fd);
    fd = high;
  }
  struct stat st;
  fstat(fd, &st);
  g_fd = fd;
  g_dev = st.st_dev;
  g_ino = st.st_ino;
  g_pid = getpid();
  g_t0_ns = now_ns(CLOCK_MONOTONIC);
  build_header(origin, now_ns(CLOCK_REALTIME));
  char fixed[16] = "ALCTRACE";
  uint32_t v[2] = {FORMAT_VERSION, (uint32_t)header_len};
  memcpy(fixed + 8, v, 8);
  struct iovec iov[2] = {{fixed, 16}, {header_buf, header_len}};
  g_state = STATE_TRACING; /* write_all writes only while tracing */
  if (write_all(iov, 2) != 0) return -EIO;
  return 0;
}

static int open_trace(const char *path, const char *origin) { return open_trace_mode(path, origin, 0); }

/* NAME.<pid>.trace (NAME.<pid>-N.trace if a former image of this pid has it). */
static int open_child_trace(const char *origin) {
  char path[4200];
  for (int n = 0; n < 16; n++) {
    if (n == 0) snprintf(path, sizeof path, "%s.%d.trace", g_base, (int)getpid());
    else snprintf(path, sizeof path, "%s.%d-%d.trace", g_base, (int)getpid(), n);
    int r = open_trace(path, origin);
    if (r != -EEXIST) return r;
  }
  return -EEXIST;
}

/* ---- per-thread buffers ---- */
static tbuf_t *register_thread(void) {
  t_internal++;
  tbuf_t *t = mmap(NULL, sizeof(tbuf_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (t == MAP_FAILED) {
    t_internal--;
    return NULL;
  }
  t->tid = (int32_t)syscall(SYS_gettid);
  sigset_t old;
  lock_blocked(&old);
  if (__atomic_load_n(&g_closed, __ATOMIC_SEQ_CST) || g_state != STATE_TRACING) {
    unlock_blocked(&old);
    munmap(t, sizeof(tbuf_t));
    t_internal--;
    return NULL;
  }
  t->index = g_threads++;
  t->next = g_registry;
  g_registry = t;
  unlock_blocked(&old);
  t_self = t;
  pthread_setspecific(g_key, t); /* may calloc: guarded by t_internal */
  t_internal--;
  return t;
}

/* The handshake between a call (depth++, then read g_closed) and the exit flusher (set g_closed,
 * then read every depth) needs a full fence on both sides. With membarrier(2) the flusher's side
 * forces it on all threads at once, so a call pays only a compiler barrier (g_membarrier). */
static int g_membarrier;

static void register_membarrier(void) {
  g_membarrier = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

static inline void light_fence(void) {
  if (g_membarrier) __atomic_signal_fence(__ATOMIC_SEQ_CST);
  else __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void heavy_fence(void) {
  if (!g_membarrier || syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void depth_add(tbuf_t *t, int v) {
  __atomic_store_n(&t->depth, t->depth + v, __ATOMIC_RELEASE); /* nested frames (signals) restore it before we resume */
}

static inline tbuf_t *enter(void) {
  if (__atomic_load_n(&g_state, __ATOMIC_RELAXED) != STATE_TRACING || t_internal) return NULL;
  tbuf_t *t = t_self;
  if (t == NULL && (t = register_thread()) == NULL) return NULL;
  depth_add(t, 1);
  light_fence();
  if (__atomic_load_n(&g_closed, __ATOMIC_RELAXED)) {
    depth_add(t, -1);
    return NULL;
  }
  return t;
}

static void flush_own(tbuf_t *t) {
  sigset_t old;
  lock_blocked(&old);
  write_block(t);
  unlock_blocked(&old);
}

static inline void leave(tbuf_t *t) {
  if (t->depth == 1 && t->committed >= FLUSH_AT) flush_own(t);
  depth_add(t, -1);
}

/* Adds to a counter of this thread's own buffer and returns the old value. Only this thread and its
 * signal handlers touch it, so one instruction without the bus lock is atomic enough (x86 xadd); the
 * exit flusher reads it only after the depth handshake. */
static inline uint32_t own_fetch_add(uint32_t *counter, uint32_t v) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ volatile("xaddl %0, %1" : "+r"(v), "+m"(*counter) : : "memory");
  return v;
#else
  return __atomic_fetch_add(counter, v, __ATOMIC_RELAXED);
#endif
}

static inline uint64_t next_seq(void) { return __atomic_fetch_add(&g_seq, 1, __ATOMIC_RELAXED); }

static inline uint64_t trace_ns(void) { return now_ns(CLOCK_MONOTONIC) - g_t0_ns; }

static inline void append(tbuf_t *t, uint64_t seq, uint64_t t_ns, uint16_t op, const void *ptr, uint64_t size, uint64_t aux, int failed) {
  uint32_t slot = own_fetch_add(&t->reserved, 1);
  if (slot >= CAP) { /* only if signal handlers nested more than NESTED_MARGIN allocations into one call */
    own_fetch_add(&t->reserved, (uint32_t)-1);
    __atomic_fetch_add(&g_dropped, 1, __ATOMIC_RELAXED);
    return;
  }
  size_t usable = ptr != NULL && op != OP_FREE && real_usable ? real_usable((void *)ptr) : 0;
  record_t *r = &t->recs[slot];
  r->seq = seq;
  r->t_ns = t_ns;
  r->ptr = (uint64_t)(uintptr_t)ptr;
  r->size = size;
  r->aux = aux;
  r->op = op;
  r->flags = failed ? 1 : 0;
  r->usable = usable > UINT32_MAX ? UINT32_MAX : (uint32_t)usable;
  __atomic_signal_fence(__ATOMIC_RELEASE);
  own_fetch_add(&t->committed, 1);
}

/* A call that returned a pointer: its seq is taken after the real call, so that it follows the free
 * (in any thread) that released the memory it got. */
static inline void traced_result(tbuf_t *t, uint16_t op, const void *p, uint64_t size, uint64_t aux, int failed) {
  uint64_t seq = next_seq();
  append(t, seq, trace_ns(), op, p, size, aux, failed);
  leave(t);
}

/* ---- end of the trace ---- */
/* Waits until no other thread is inside a traced call. */
static void wait_others(void) {
  tbuf_t *self = t_self;
  for (tbuf_t *b = g_registry; b; b = b->next) {
    if (b == self) continue;
    /* A call in flight finishes in microseconds; a thread stopped for good (ptrace) is not waited for past ~1 s. */
    for (int spins = 0; __atomic_load_n(&b->depth, __ATOMIC_ACQUIRE) > 0 && spins < 100000; spins++) sched_yield();
  }
}

/* Stops new traced calls and waits for those in flight on other threads; 0 if this process has an open
 * trace that nobody closed before. */
static int close_trace(void) {
  if (__atomic_load_n(&g_state, __ATOMIC_SEQ_CST) != STATE_TRACING || getpid() != g_pid) return -1;
  int expected = 0;
  if (!__atomic_compare_exchange_n(&g_closed, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return -1;
  heavy_fence();
  wait_others();
  return 0;
}

/* Writes every buffer and the trailer of a closed trace; returns the offset where the trailer starts (so
 * a failed exec can cut it off again). `only_if_whole` (the signal path): write the trailer only if every
 * seq taken is in a block written, i.e. the interrupted thread is not between taking a seq and committing
 * its record; else -1, and it may be called again once that record is committed. */
static int g_ended; /* the trailer is written (under g_lock): a second writer (signal, exit) adds nothing */

static off_t write_end(int only_if_whole) {
  sigset_t old;
  lock_blocked(&old);
  if (g_ended) {
    unlock_blocked(&old);
    return -1;
  }
  for (tbuf_t *b = g_registry; b; b = b->next) write_block(b);
  if (only_if_whole && g_flushed != __atomic_load_n(&g_seq, __ATOMIC_SEQ_CST)) {
    unlock_blocked(&old);
    return -1;
  }
  g_ended = 1;
  off_t at = lseek(g_fd, 0, SEEK_END);
  uint32_t n = g_threads;
  struct {
    uint32_t magic, thread_count;
    uint64_t record_total, end_t_ns;
  } __attribute__((packed)) trailer = {TRAILER_MAGIC, n, __atomic_load_n(&g_seq, __ATOMIC_SEQ_CST), trace_ns()};
  struct iovec iov[1] = {{&trailer, sizeof trailer}};
  write_all(iov, 1);
  uint32_t pair[2 * 64];
  uint32_t k = 0;
  for (tbuf_t *b = g_registry; b; b = b->next) {
    pair[2 * k] = b->index;
    pair[2 * k + 1] = (uint32_t)b->tid;
    if (++k == 64 || b->next == NULL) {
      struct iovec part[1] = {{pair, (size_t)k * 8}};
      write_all(part, 1);
      k = 0;
    }
  }
  unlock_blocked(&old);
  uint64_t dropped = __atomic_load_n(&g_dropped, __ATOMIC_RELAXED);
  if (dropped) note("alloctune-tracer: records were dropped (signal handlers nested too many allocations); the trace has seq gaps\n");
  return at;
}

/* Stops tracing, writes every buffer and the trailer; returns the offset where the trailer starts, or -1
 * if this process has no open trace. */
static off_t finalize(void) { return close_trace() == 0 ? write_end(0) : -1; }

/* Undoes finalize() after an exec that failed: the trailer is cut off and tracing resumes. */
static void resume(off_t at) {
  if (at < 0 || g_state != STATE_TRACING) return;
  if (ftruncate(g_fd, at) != 0) return;
  g_ended = 0;
  __atomic_store_n(&g_closed, 0, __ATOMIC_SEQ_CST);
}

static void on_thread_exit(void *arg) {
  tbuf_t *t = arg;
  if (t == NULL || g_state != STATE_TRACING) return;
  depth_add(t, 1);
  light_fence();
  if (!__atomic_load_n(&g_closed, __ATOMIC_RELAXED)) flush_own(t);
  depth_add(t, -1);
  /* Later frees of this thread (TLS teardown) land in the buffer again and go out at process exit. */
}

/* ---- fork ---- */
static void fork_prepare(void) {
  if (g_state != STATE_TRACING) return;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &g_fork_mask);
  pthread_mutex_lock(&g_lock);
}

static void fork_parent(void) {
  if (g_state != STATE_TRACING) return;
  pthread_mutex_unlock(&g_lock);
  pthread_sigmask(SIG_SETMASK, &g_fork_mask, NULL);
}

static void fork_child(void) {
  if (g_state != STATE_TRACING) return;
  pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
  g_lock = fresh;
  /* The parent's buffers (copied into this memory) are the parent's to write: dropped here. */
  close(g_fd);
  g_fd = -1;
  g_state = STATE_OFF;
  tbuf_t *self = t_self;
  if (g_follow_forks) {
    register_membarrier(); /* a new address space */
    g_registry = NULL;
    g_threads = 0;
    g_seq = 0;
    g_flushed = 0;
    g_ended = 0;
    g_signal_closed = 0;
    g_retry_timer = -1; /* timers are not inherited */
    g_closed = 0;
    if (self) {
      self->reserved = self->committed = 0;
      self->index = g_threads++;
      self->tid = (int32_t)syscall(SYS_gettid);
      self->next = NULL;
      g_registry = self;
    }
    if (open_child_trace("fork") != 0) g_state = STATE_OFF;
  }
  pthread_sigmask(SIG_SETMASK, &g_fork_mask, NULL);
}

/* ---- fatal signals (FORMAT.md, "Signals") ---- */
/* SIGTERM, SIGHUP, SIGQUIT (not SIGINT: see the header comment): if the disposition is the default at start, a handler of ours
 * completes the trace and dies of the signal as the default would (if it interrupted a traced call,
 * after that call finished: see on_fatal_signal). A handler the program installs later
 * replaces ours (the kernel keeps one disposition), so it is respected with no wrapper. Everything the
 * handler calls is async-signal-safe in practice: g_lock is only ever held with all signals blocked,
 * so the interrupted thread never holds it; the rest is write/fstat/lseek/sched_yield/clock_gettime. */
static const int FATAL_SIGNALS[] = {SIGTERM, SIGHUP, SIGQUIT};


/* Sends `sig` to the process again in 200 us, from a kernel timer (raw syscalls: no allocation). The
 * signal is process-directed, so that it is delivered even if the interrupted thread exits meanwhile. */
static int retry_later(int sig) {
  if (g_retry_timer < 0) {
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = sig;
    int id;
    if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) != 0) return -1;
    g_retry_timer = id;
  }
  struct itimerspec once = {{0, 0}, {0, 200000}};
  return syscall(SYS_timer_settime, g_retry_timer, 0, &once, NULL) == 0 ? 0 : -1;
}

static void die_of(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  sigset_t just;
  sigemptyset(&just);
  sigaddset(&just, sig);
  pthread_sigmask(SIG_UNBLOCK, &just, NULL);
  raise(sig); /* the default action: the process ends here, its status says "killed by sig" */
}

static void on_fatal_signal(int sig) {
  int saved = errno;
  if (!g_signal_closed) {
    if (close_trace() != 0) die_of(sig); /* not tracing, or the exit flusher runs: nothing to add */
    g_signal_closed = 1;
  } else {
    wait_others(); /* a retry may run on another thread than the one interrupted first */
  }
  if (__atomic_load_n(&g_ended, __ATOMIC_SEQ_CST)) die_of(sig);
  tbuf_t *self = t_self;
  /* The interrupted thread's own buffer may be mid-append (a slot reserved, its record not committed):
   * it is written only when this thread is outside every traced call. */
  if (self == NULL || __atomic_load_n(&self->depth, __ATOMIC_ACQUIRE) == 0) {
    if (write_end(1) >= 0 || __atomic_load_n(&g_ended, __ATOMIC_SEQ_CST)) {
      __atomic_store_n(&g_state, STATE_OFF, __ATOMIC_SEQ_CST);
      die_of(sig);
    }
  }
  /* The signal landed inside a traced call: let it finish (new calls are no longer traced) and come
   * back; after ~40 ms of this, die with the trace unfinished. */
  if (++g_signal_attempts < 200 && retry_later(sig) == 0) {
    errno = saved;
    return;
  }
  die_of(sig);
}

static void install_signal_handlers(void) {
  for (size_t i = 0; i < sizeof FATAL_SIGNALS / sizeof *FATAL_SIGNALS; i++) {
    struct sigaction now;
    if (sigaction(FATAL_SIGNALS[i], NULL, &now) != 0) continue;
    if ((now.sa_flags & SA_SIGINFO) || now.sa_handler != SIG_DFL) continue; /* ignored or handled: not ours */
    struct sigaction ours;
    memset(&ours, 0, sizeof ours);
    ours.sa_handler = on_fatal_signal;
    sigfillset(&ours.sa_mask); /* no other handler (and its allocations) runs inside ours */
    sigaction(FATAL_SIGNALS[i], &ours, NULL);
  }
}

/* ---- start and end ---- */
__attribute__((constructor)) static void tracer_start(int argc, char **argv, char **envp) {
  (void)envp;
  resolve();
  const char *path = getenv("ALLOCTUNE_TRACE_FILE");
  size_t len = path ? strlen(path) : 0;
  if (path == NULL || path[0] != '/' || len < 7 || len >= sizeof g_base || strcmp(path + len - 6, ".trace") != 0) {
    g_state = STATE_OFF;
    return;
  }
  g_argc = argc;
  g_argv = argv;
  memcpy(g_base, path, len - 6);
  g_base[len - 6] = 0;
  const char *ff = getenv("ALLOCTUNE_TRACE_FOLLOW_FORKS");
  const char *fe = getenv("ALLOCTUNE_TRACE_FOLLOW_EXEC");
  g_follow_forks = ff != NULL && strcmp(ff, "1") == 0;
  g_follow_exec = fe != NULL && strcmp(fe, "1") == 0;
  crc_init();
  if (pthread_key_create(&g_key, on_thread_exit) != 0) {
    g_state = STATE_OFF;
    return;
  }
  pthread_atfork(fork_prepare, fork_parent, fork_child);
  register_membarrier();
  int r = open_trace(path, "start");
  /* An exec in place keeps the process: the trace restarts with the new program (the file then holds
   * the last image, e.g. the program a wrapper script executes). */
  if (r == -EEXIST && started_by_this_pid(path)) r = open_trace_mode(path, "exec-in-place", 1);
  if (r == -EEXIST) {
    /* Not the process the trace was started for: a later image (exec'd child or exec in place). */
    g_state = STATE_OFF;
    if (g_follow_exec && open_child_trace("exec") != 0) g_state = STATE_OFF;
    if (g_state == STATE_TRACING) install_signal_handlers();
    return;
  }
  if (r != 0) {
    note("alloctune-tracer: cannot create the trace file named by ALLOCTUNE_TRACE_FILE; not tracing\n");
    g_state = STATE_OFF;
    return;
  }
  install_signal_handlers();
}

__attribute__((destructor)) static void tracer_end(void) {
  /* The program exits while a fatal signal's handler waits for a record in flight: finish for it. */
  if (g_signal_closed && g_state == STATE_TRACING && getpid() == g_pid && write_end(0) >= 0) {
    __atomic_store_n(&g_state, STATE_OFF, __ATOMIC_SEQ_CST);
    return;
  }
  if (finalize() >= 0) {
    __atomic_store_n(&g_state, STATE_OFF, __ATOMIC_SEQ_CST);
    close(g_fd);
    g_fd = -1;
  }
}

/* ---- the allocation functions ---- */
#define NEED(fn)             \
  do {                       \
    if (fn == NULL) resolve(); \
  } while (0)

void *malloc(size_t size) {
  NEED(real_malloc);
  if (real_malloc == NULL) return arena_alloc(size, 16);
  tbuf_t *t = enter();
  void *p = real_malloc(size);
  if (t) traced_result(t, OP_MALLOC, p, size, 0, p == NULL);
  return p;
}

void *calloc(size_t nmemb, size_t size) {
  NEED(real_calloc);
  if (real_calloc == NULL) { /* dlsym's own calloc lands here while it resolves us; the arena is zeroed */
    size_t total;
    if (__builtin_mul_overflow(nmemb, size, &total)) return NULL;
    return arena_alloc(total, 16);
  }
  tbuf_t *t = enter();
  void *p = real_calloc(nmemb, size);
  size_t total;
  if (__builtin_mul_overflow(nmemb, size, &total)) total = SIZE_MAX;
  if (t) traced_result(t, OP_CALLOC, p, total, 0, p == NULL);
  return p;
}

void free(void *ptr) {
  if (in_arena(ptr)) return;
  NEED(real_free);
  if (real_free == NULL) return;
  tbuf_t *t = enter();
  if (t == NULL) {
    real_free(ptr);
    return;
  }
  /* seq before the real free: the memory cannot be handed out again before this seq exists. */
  uint64_t seq = next_seq();
  uint64_t ts = trace_ns();
  real_free(ptr);
  append(t, seq, ts, OP_FREE, ptr, 0, 0, 0);
  leave(t);
}

static void *traced_realloc(void *ptr, size_t size, size_t report_size) {
  if (in_arena(ptr)) { /* a bootstrap block moves to the real allocator */
    void *p = malloc(size);
    if (p) memcpy(p, ptr, arena_size(ptr) < size ? arena_size(ptr) : size);
    return p;
  }
  NEED(real_realloc);
  if (real_realloc == NULL) return NULL;
  tbuf_t *t = enter();
  void *p = real_realloc(ptr, size);
  /* realloc(p, 0) returning NULL freed p (glibc, jemalloc's default): that is not a failure. */
  if (t) traced_result(t, OP_REALLOC, p, report_size, (uint64_t)(uintptr_t)ptr, p == NULL && size != 0);
  return p;
}

void *realloc(void *ptr, size_t size) { return traced_realloc(ptr, size, size); }

/* glibc's reallocarray calls its own realloc internally, which would bypass an allocator preloaded
 * after us (and the trace): it is done here as a realloc. */
void *reallocarray(void *ptr, size_t nmemb, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(nmemb, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return traced_realloc(ptr, total, total);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  NEED(real_posix_memalign);
  if (real_posix_memalign == NULL) {
    void *p = arena_alloc(size, alignment);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
  }
  tbuf_t *t = enter();
  int r = real_posix_memalign(out, alignment, size);
  if (t) traced_result(t, OP_POSIX_MEMALIGN, r == 0 ? *out : NULL, size, alignment, r != 0);
  return r;
}

void *aligned_alloc(size_t alignment, size_t size) {
  NEED(real_aligned_alloc);
  if (real_aligned_alloc == NULL) return arena_alloc(size, alignment);
  tbuf_t *t = enter();
  void *p = real_aligned_alloc(alignment, size);
  if (t) traced_result(t, OP_ALIGNED_ALLOC, p, size, alignment, p == NULL);
  return p;
}

void *memalign(size_t alignment, size_t size) {
  NEED(real_memalign);
  if (real_memalign == NULL) return arena_alloc(size, alignment);
  tbuf_t *t = enter();
  void *p = real_memalign(alignment, size);
  if (t) traced_result(t, OP_MEMALIGN, p, size, alignment, p == NULL);
  return p;
}

void *valloc(size_t size) {
  NEED(real_valloc);
  if (real_valloc == NULL) return arena_alloc(size, 4096);
  tbuf_t *t = enter();
  void *p = real_valloc(size);
  if (t) traced_result(t, OP_VALLOC, p, size, 0, p == NULL);
  return p;
}

void *pvalloc(size_t size) {
  NEED(real_pvalloc);
  if (real_pvalloc == NULL) return arena_alloc(size, 4096);
  tbuf_t *t = enter();
  void *p = real_pvalloc(size);
  if (t) traced_result(t, OP_PVALLOC, p, size, 0, p == NULL);
  return p;
}

size_t malloc_usable_size(void *ptr) {
  if (in_arena(ptr)) return arena_size(ptr);
  NEED(real_usable);
  return real_usable ? real_usable(ptr) : 0;
}

/* ---- process end without exit(), and exec ---- */
void _exit(int status) {
  static void (*real)(int);
  if (real == NULL) real = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
  tracer_end();
  if (real) real(status);
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}

void _Exit(int status) { _exit(status); }

#define EXEC_WRAPPER(name, params, args)                                   \
  int name params {                                                        \
    static int(*real) params;                                              \
    if (real == NULL) real = (int(*) params)dlsym(RTLD_NEXT, #name);       \
    if (real == NULL) {                                                    \
      errno = ENOSYS;                                                      \
      return -1;                                                           \
    }                                                                      \
    off_t at = finalize(); /* the new image replaces our buffers */        \
    int r = real args;                                                     \
    int saved = errno;                                                     \
    resume(at);                                                            \
    errno = saved;                                                         \
    return r;                                                              \
  }

EXEC_WRAPPER(execve, (const char *path, char *const argv[], char *const envp[]), (path, argv, envp))
EXEC_WRAPPER(execv, (const char *path, char *const argv[]), (path, argv))
EXEC_WRAPPER(execvp, (const char *file, char *const argv[]), (file, argv))
EXEC_WRAPPER(execvpe, (const char *file, char *const argv[], char *const envp[]), (file, argv, envp))
EXEC_WRAPPER(fexecve, (int fd, char *const argv[], char *const envp[]), (fd, argv, envp))

/* glibc's execl, execlp and execle build an argv and call __execve directly, past our execve: they are
 * done here over the wrapped execv/execvp/execve. No malloc (the caller may be a fork child of a threaded
 * program): the arguments are counted first, then copied to a stack array of exactly that size, with a
 * hard cap (256 KiB of stack) past which the call fails with E2BIG as an oversized exec would. */
#define EXECL_ARGS_MAX 32768

static size_t count_args(const char *arg, va_list *ap) {
  size_t n = 0;
  for (const char *a = arg; a != NULL && n <= EXECL_ARGS_MAX; a = va_arg(*ap, const char *)) n++;
  return n;
}

/* Copies the n arguments and reads past the NULL that ends them (execle's envp comes next). */
static void copy_args(char **argv, size_t n, const char *arg, va_list *ap) {
  argv[0] = (char *)arg;
  for (size_t i = 1; i < n; i++) argv[i] = va_arg(*ap, char *);
  if (n > 0) (void)va_arg(*ap, char *);
  argv[n] = NULL;
}

#define EXECL_WRAPPER(name, first, tail, call)                 \
  int name(const char *first, const char *arg, ...) {         \
    va_list ap, again;                                        \
    va_start(ap, arg);                                        \
    va_copy(again, ap);                                       \
    size_t n = count_args(arg, &ap);                              \
    va_end(ap);                                               \
    if (n > EXECL_ARGS_MAX) {                                 \
      va_end(again);                                          \
      errno = E2BIG;                                          \
      return -1;                                              \
    }                                                         \
    char **argv = __builtin_alloca((n + 1) * sizeof(char *)); \
    copy_args(argv, n, arg, &again);                          \
    tail;                                                     \
    va_end(again);                                            \
    return call;                                              \
  }

EXECL_WRAPPER(execl, path, (void)0, execv(path, argv))
EXECL_WRAPPER(execlp, file, (void)0, execvp(file, argv))
EXECL_WRAPPER(execle, path, char *const *envp = va_arg(again, char *const *), execve(path, argv, envp))
