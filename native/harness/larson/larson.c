/* larson: multi-threaded churn in the style of Larson & Krishnan's server benchmark.
 * Each thread owns `slots` slots, prefilled (untimed) with blocks of random size; every step
 * picks a random slot, frees its block and puts a new random-size block there.
 * With --cross-free-pct P, P % of the steps pick a slot anywhere in the shared array, so blocks
 * are freed by threads other than their allocator (slots are then swapped atomically).
 * Parameters (defaults): --min-size 16, --max-size 1024 (uniform), --slots 1000 per thread,
 * --cross-free-pct 0. Only the block header is written (see bench_malloc). */
#include "../lib/bench.h"

typedef struct larson_state {
  _Atomic(void *) *slots;
  uint64_t per_thread;
} larson_state;

static const param_def PARAMS[] = {
    {"min-size", "16", 8, 1 << 24, 0, "smallest block, bytes"},
    {"max-size", "1024", 8, 1 << 24, 0, "largest block, bytes (uniform in [min,max])"},
    {"slots", "1000", 1, 10000000, 0, "slots per thread"},
    {"cross-free-pct", "0", 0, 100, 0, "percent of steps that replace a slot of any thread (cross-thread free)"},
};

static int setup(bench_run *run) {
  static larson_state st;
  if (param_int(run, "min-size") > param_int(run, "max-size")) return -2;
  st.per_thread = (uint64_t)param_int(run, "slots");
  st.slots = calloc(st.per_thread * (uint64_t)run->threads, sizeof *st.slots);
  if (st.slots == NULL) bench_out_of_memory(st.per_thread * (uint64_t)run->threads * sizeof *st.slots);
  run->state = &st;
  return 0;
}

static size_t pick_size(bench_thread *t) {
  return (size_t)rng_range(&t->rng, (uint64_t)param_int(t->run, "min-size"), (uint64_t)param_int(t->run, "max-size"));
}

static void prepare(bench_thread *t) {
  larson_state *st = t->run->state;
  for (uint64_t i = 0; i < st->per_thread; i++)
    atomic_store(&st->slots[(uint64_t)t->id * st->per_thread + i], bench_malloc(t, pick_size(t)));
}

static void body(bench_thread *t) {
  larson_state *st = t->run->state;
  uint64_t cross_pct = (uint64_t)param_int(t->run, "cross-free-pct");
  uint64_t total = st->per_thread * (uint64_t)t->run->threads;
  uint64_t own = (uint64_t)t->id * st->per_thread;
  while (!bench_should_stop(t)) {
    for (int k = 0; k < 64; k++) {
      if (cross_pct > 0) {
        uint64_t idx = rng_below(&t->rng, 100) < cross_pct ? rng_below(&t->rng, total) : own + rng_below(&t->rng, st->per_thread);
        void *old = atomic_exchange(&st->slots[idx], NULL);
        if (old) bench_free(t, old);
        void *fresh = bench_malloc(t, pick_size(t));
        void *raced = atomic_exchange(&st->slots[idx], fresh);
        if (raced) bench_free(t, raced);
      } else {
        _Atomic(void *) *slot = &st->slots[own + rng_below(&t->rng, st->per_thread)];
        bench_free(t, atomic_load_explicit(slot, memory_order_relaxed));
        atomic_store_explicit(slot, bench_malloc(t, pick_size(t)), memory_order_relaxed);
      }
    }
  }
}

static void teardown(bench_thread *t) {
  larson_state *st = t->run->state;
  for (uint64_t i = 0; i < st->per_thread; i++) {
    void *p = atomic_exchange(&st->slots[(uint64_t)t->id * st->per_thread + i], NULL);
    if (p) bench_free(t, p);
  }
}

static void cleanup(bench_run *run) { free(((larson_state *)run->state)->slots); }

const workload_def WORKLOAD_LARSON = {
    .name = "larson",
    .summary = "multi-threaded random slot replacement, random sizes, optional cross-thread frees",
    .params = PARAMS,
    .param_count = sizeof PARAMS / sizeof PARAMS[0],
    .default_threads = 2,
    .max_threads = BENCH_MAX_THREADS,
    .setup = setup,
    .thread_prepare = prepare,
    .thread_body = body,
    .thread_teardown = teardown,
    .cleanup = cleanup,
};
