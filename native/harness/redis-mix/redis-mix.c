/* redis-mix: the allocation profile of a key-value store. Each thread owns `keys` values,
 * prefilled (untimed); a step overwrites a random key's value with a new one (free old, allocate
 * new, write it fully) and, in temp-pct % of the steps, also allocates and frees a short-lived
 * 16-256 B buffer (a reply/query buffer). Value sizes (log-uniform inside each band):
 * 60 % 16-64 B, 25 % 65-512 B, 12 % 513-4096 B, 2.9 % 4-64 KiB, 0.1 % 64-512 KiB.
 * Parameters (defaults): --keys 10000 per thread, --temp-pct 30. */
#include <string.h>

#include "../lib/bench.h"

static const param_def PARAMS[] = {
    {"keys", "10000", 1, 100000000, 0, "values owned by each thread"},
    {"temp-pct", "30", 0, 100, 0, "percent of steps that also use a short-lived 16-256 B buffer"},
};

static const struct {
  uint32_t per_mille;
  uint32_t lo, hi;
} BANDS[] = {{600, 16, 64}, {250, 65, 512}, {120, 513, 4096}, {29, 4097, 65536}, {1, 65537, 524288}};

static void *fresh_value(bench_thread *t) {
  uint64_t roll = rng_below(&t->rng, 1000), acc = 0;
  size_t size = 16;
  for (size_t b = 0; b < sizeof BANDS / sizeof BANDS[0]; b++) {
    acc += BANDS[b].per_mille;
    if (roll < acc) {
      size = (size_t)rng_log_range(&t->rng, BANDS[b].lo, BANDS[b].hi);
      break;
    }
  }
  char *p = bench_malloc(t, size);
  memset(p + sizeof(size_t), 0x33, size - sizeof(size_t));
  return p;
}

static void prepare(bench_thread *t) {
  int64_t keys = param_int(t->run, "keys");
  void **values = malloc(sizeof(void *) * (size_t)keys);
  if (values == NULL) bench_out_of_memory(sizeof(void *) * (size_t)keys);
  for (int64_t i = 0; i < keys; i++) values[i] = fresh_value(t);
  t->state = values;
}

static void body(bench_thread *t) {
  void **values = t->state;
  uint64_t keys = (uint64_t)param_int(t->run, "keys");
  uint64_t temp_pct = (uint64_t)param_int(t->run, "temp-pct");
  while (!bench_should_stop(t)) {
    for (int step = 0; step < 64; step++) {
      void *temp = NULL;
      if (rng_below(&t->rng, 100) < temp_pct) {
        size_t size = (size_t)rng_range(&t->rng, 16, 256);
        temp = bench_malloc(t, size);
        memset((char *)temp + sizeof(size_t), 0x44, size - sizeof(size_t));
      }
      uint64_t k = rng_below(&t->rng, keys);
      bench_free(t, values[k]);
      values[k] = fresh_value(t);
      if (temp) bench_free(t, temp);
    }
  }
}

static void teardown(bench_thread *t) {
  void **values = t->state;
  int64_t keys = param_int(t->run, "keys");
  for (int64_t i = 0; i < keys; i++) bench_free(t, values[i]);
  free(values);
}

const workload_def WORKLOAD_REDIS_MIX = {
    .name = "redis-mix",
    .summary = "key-value store profile: mostly long-lived 16 B-4 KB values, tail to 512 KB, short-lived buffers",
    .params = PARAMS,
    .param_count = sizeof PARAMS / sizeof PARAMS[0],
    .default_threads = 2,
    .max_threads = BENCH_MAX_THREADS,
    .thread_prepare = prepare,
    .thread_body = body,
    .thread_teardown = teardown,
};
