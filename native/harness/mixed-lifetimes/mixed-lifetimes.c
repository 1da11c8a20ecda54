/* mixed-lifetimes: short, medium and long-lived objects side by side (mstress-like). Each thread
 * keeps three pools of slots; a step picks a pool (short-pct / medium-pct / rest = long), then a
 * random slot in it, frees the block there and allocates a new one. Small pools turn over fast
 * (short lifetimes), large pools slowly. Medium and long pools are prefilled, untimed.
 * Parameters (defaults): --min-size 16, --max-size 4096 (log-uniform), --short-slots 64,
 * --medium-slots 4096, --long-slots 16384, --short-pct 80, --medium-pct 18.
 * Blocks are fully written, so RSS follows the live set. */
#include <string.h>

#include "../lib/bench.h"

static const param_def PARAMS[] = {
    {"min-size", "16", 8, 1 << 24, 0, "smallest block, bytes"},
    {"max-size", "4096", 8, 1 << 24, 0, "largest block, bytes (log-uniform)"},
    {"short-slots", "64", 1, 10000000, 0, "slots of the short-lived pool"},
    {"medium-slots", "4096", 1, 10000000, 0, "slots of the medium-lived pool"},
    {"long-slots", "16384", 1, 10000000, 0, "slots of the long-lived pool"},
    {"short-pct", "80", 0, 100, 0, "percent of steps in the short pool"},
    {"medium-pct", "18", 0, 100, 0, "percent of steps in the medium pool (the rest go to the long pool)"},
};

typedef struct pools {
  void **slots[3];
  uint64_t count[3];
} pools;

static void *fresh(bench_thread *t) {
  size_t size = (size_t)rng_log_range(&t->rng, (uint64_t)param_int(t->run, "min-size"), (uint64_t)param_int(t->run, "max-size"));
  char *p = bench_malloc(t, size);
  memset(p + sizeof(size_t), 0x5a, size - sizeof(size_t));
  return p;
}

static int setup(bench_run *run) {
  if (param_int(run, "short-pct") + param_int(run, "medium-pct") > 100) return -2;
  return param_int(run, "min-size") > param_int(run, "max-size") ? -2 : 0;
}

static void prepare(bench_thread *t) {
  pools *p = calloc(1, sizeof *p);
  if (p == NULL) bench_out_of_memory(sizeof *p);
  const char *names[3] = {"short-slots", "medium-slots", "long-slots"};
  for (int k = 0; k < 3; k++) {
    p->count[k] = (uint64_t)param_int(t->run, names[k]);
    p->slots[k] = calloc(p->count[k], sizeof(void *));
    if (p->slots[k] == NULL) bench_out_of_memory(p->count[k] * sizeof(void *));
  }
  for (int k = 1; k < 3; k++)
    for (uint64_t i = 0; i < p->count[k]; i++) p->slots[k][i] = fresh(t);
  t->state = p;
}

static void body(bench_thread *t) {
  pools *p = t->state;
  uint64_t short_pct = (uint64_t)param_int(t->run, "short-pct");
  uint64_t medium_pct = (uint64_t)param_int(t->run, "medium-pct");
  while (!bench_should_stop(t)) {
    for (int step = 0; step < 64; step++) {
      uint64_t roll = rng_below(&t->rng, 100);
      int k = roll < short_pct ? 0 : (roll < short_pct + medium_pct ? 1 : 2);
      void **slot = &p->slots[k][rng_below(&t->rng, p->count[k])];
      if (*slot) bench_free(t, *slot);
      *slot = fresh(t);
    }
  }
}

static void teardown(bench_thread *t) {
  pools *p = t->state;
  for (int k = 0; k < 3; k++) {
    for (uint64_t i = 0; i < p->count[k]; i++)
      if (p->slots[k][i]) bench_free(t, p->slots[k][i]);
    free(p->slots[k]);
  }
  free(p);
}

const workload_def WORKLOAD_MSTRESS = {
    .name = "mixed-lifetimes",
    .summary = "short/medium/long-lived pools replaced at different rates (mstress-like)",
    .params = PARAMS,
    .param_count = sizeof PARAMS / sizeof PARAMS[0],
    .default_threads = 2,
    .max_threads = BENCH_MAX_THREADS,
    .setup = setup,
    .thread_prepare = prepare,
    .thread_body = body,
    .thread_teardown = teardown,
};
