/* threadtest: per-thread batches in the style of Hoard's threadtest. Each thread repeatedly
 * allocates `batch` blocks of `size` bytes and then frees all of them, in allocation order.
 * Parameters (defaults): --batch 1000, --size 64. Only the block header is written. */
#include "../lib/bench.h"

static const param_def PARAMS[] = {
    {"batch", "1000", 1, 10000000, 0, "blocks allocated before they are all freed"},
    {"size", "64", 8, 1 << 24, 0, "block size, bytes"},
};

static void prepare(bench_thread *t) {
  t->state = malloc(sizeof(void *) * (size_t)param_int(t->run, "batch"));
  if (t->state == NULL) bench_out_of_memory(0);
}

static void body(bench_thread *t) {
  void **blocks = t->state;
  int64_t batch = param_int(t->run, "batch");
  size_t size = (size_t)param_int(t->run, "size");
  while (!bench_should_stop(t)) {
    for (int64_t i = 0; i < batch; i++) blocks[i] = bench_malloc(t, size);
    for (int64_t i = 0; i < batch; i++) bench_free(t, blocks[i]);
  }
}

static void teardown(bench_thread *t) { free(t->state); }

const workload_def WORKLOAD_THREADTEST = {
    .name = "threadtest",
    .summary = "per-thread batches: allocate N blocks, free N blocks",
    .params = PARAMS,
    .param_count = sizeof PARAMS / sizeof PARAMS[0],
    .default_threads = 2,
    .max_threads = BENCH_MAX_THREADS,
    .thread_prepare = prepare,
    .thread_body = body,
    .thread_teardown = teardown,
};
