/* cache-scratch: passive false sharing (Hoard's cache-scratch). The main thread allocates one
 * small object per thread back to back, so they share cache lines, and hands object i to thread i.
 * Each thread frees it, then repeatedly allocates an object of the same size, writes it `writes`
 * times and frees it. An allocator that hands the freed neighbour back to another thread makes
 * the writes bounce a cache line between CPUs, which shows up as lower ops/s.
 * Parameters (defaults): --object-size 8, --writes 1000. */
#include "../lib/bench.h"

static const param_def PARAMS[] = {
    {"object-size", "8", 8, 4096, 0, "object size, bytes"},
    {"writes", "1000", 1, 100000000, 0, "word writes to each object before it is freed"},
};

static int setup(bench_run *run) {
  size_t size = (size_t)param_int(run, "object-size");
  /* Allocated from the main thread, charged to the thread that will free it. */
  for (int i = 0; i < run->threads; i++) run->t[i].state = bench_malloc(&run->t[i], size);
  return 0;
}

static void scratch(void *p, size_t size, int64_t writes) {
  volatile size_t *words = p;
  size_t n = size / sizeof(size_t);
  for (int64_t w = 0; w < writes; w++) {
    size_t i = (size_t)w % n;
    words[i] = i == 0 ? size : (size_t)w; /* word 0 keeps the size header intact */
  }
}

static void body(bench_thread *t) {
  size_t size = (size_t)param_int(t->run, "object-size");
  int64_t writes = param_int(t->run, "writes");
  if (t->state) {
    scratch(t->state, size, writes);
    bench_free(t, t->state);
    t->state = NULL;
  }
  while (!bench_should_stop(t)) {
    void *p = bench_malloc(t, size);
    scratch(p, size, writes);
    bench_free(t, p);
  }
}

const workload_def WORKLOAD_CACHE_SCRATCH = {
    .name = "cache-scratch",
    .summary = "passive false sharing: per-thread objects carved from shared cache lines",
    .params = PARAMS,
    .param_count = sizeof PARAMS / sizeof PARAMS[0],
    .default_threads = 2,
    .max_threads = BENCH_MAX_THREADS,
    .setup = setup,
    .thread_body = body,
};
