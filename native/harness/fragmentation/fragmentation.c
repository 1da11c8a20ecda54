/* fragmentation: how much memory comes back after a scattered free, and when.
 * Phases (single thread): fill to --target-mb of live data with log-uniform sizes
 * [--min-size, --max-size], every byte written; free each block with probability --free-pct %
 * (scattered, seeded); take snapshots at the --snapshot-ms offsets after the end of that free
 * burst; then refill to the target and take a last snapshot.
 * Between snapshots the thread keeps a light allocation heartbeat (every --heartbeat-us, one
 * 64 B and one 40 KiB malloc/free, uncounted): jemalloc advances its decay only on allocator
 * activity (or with background_thread), so a process that merely sleeps keeps its dirty pages
 * (reference allocator-knobs.md 1.6) and would never show a decay setting's effect. The 40 KiB
 * block is above jemalloc's default tcache_max (32 KiB), so it reaches the arena. --heartbeat-us 0
 * sleeps instead, to show the idle behaviour. Waiting time is excluded from throughput. */
#include <string.h>

#include "../lib/bench.h"

/* target-mb: every block is written, so the live data must fit in the host's RAM; 64 GiB bounds it
 * to benchmark hosts rather than to what an int64 can hold. */
static const param_def PARAMS[] = {
    {"target-mb", "64", 1, 1 << 16, 0, "live data after the fill and after the refill, MiB"},
    {"min-size", "16", 8, 1 << 26, 0, "smallest block, bytes"},
    {"max-size", "65536", 8, 1 << 26, 0, "largest block, bytes (log-uniform)"},
    {"free-pct", "75", 0, 100, 0, "chance, percent, that a block is freed in the burst"},
    {"snapshot-ms", "0,1000,3000", 0, 600000, 1, "snapshot offsets after the free burst, ms (ascending)"},
    {"heartbeat-us", "1000", 0, 1000000, 0, "allocation heartbeat period while waiting; 0 = sleep idle"},
};

typedef struct frag_state {
  void **blocks;
  uint64_t count, capacity, freed_blocks;
  int64_t freed_bytes;
} frag_state;

static int setup(bench_run *run) {
  const int64_t *offsets;
  int n = param_list(run, "snapshot-ms", &offsets);
  for (int i = 1; i < n; i++)
    if (offsets[i] < offsets[i - 1]) return -2;
  return param_int(run, "min-size") > param_int(run, "max-size") ? -2 : 0;
}

static void push(frag_state *st, void *p) {
  if (st->count == st->capacity) {
    st->capacity = st->capacity ? st->capacity * 2 : 4096;
    st->blocks = realloc(st->blocks, st->capacity * sizeof(void *));
    if (st->blocks == NULL) bench_out_of_memory(st->capacity * sizeof(void *));
  }
  st->blocks[st->count++] = p;
}

static void *fresh(bench_thread *t) {
  size_t size = (size_t)rng_log_range(&t->rng, (uint64_t)param_int(t->run, "min-size"), (uint64_t)param_int(t->run, "max-size"));
  char *p = bench_malloc(t, size);
  memset(p + sizeof(size_t), 0x77, size - sizeof(size_t));
  return p;
}

static void wait_with_heartbeat(uint64_t until_ns, uint64_t heartbeat_us) {
  for (;;) {
    uint64_t now = now_ns();
    if (now >= until_ns) return;
    uint64_t left = until_ns - now;
    if (heartbeat_us == 0) {
      sleep_ns(left);
      continue;
    }
    void *small = malloc(64), *large = malloc(40 * 1024);
    if (small) *(volatile char *)small = 1;
    if (large) *(volatile char *)large = 1;
    free(large);
    free(small);
    uint64_t period = heartbeat_us * 1000;
    sleep_ns(left < period ? left : period);
  }
}

static void run_fragmentation(bench_run *run) {
  static frag_state st;
  bench_thread *t = &run->t[0];
  int64_t target = param_int(run, "target-mb") * 1024 * 1024;
  uint64_t free_pct = (uint64_t)param_int(run, "free-pct");
  uint64_t heartbeat_us = (uint64_t)param_int(run, "heartbeat-us");
  const int64_t *offsets;
  int offset_count = param_list(run, "snapshot-ms", &offsets);
  run->state = &st;

  run->t_start = now_ns();
  bench_snapshot(run, "start", -1.0);
  while (t->live_local < target) push(&st, fresh(t));
  bench_snapshot(run, "filled", -1.0);

  for (uint64_t i = 0; i < st.count; i++) {
    if (rng_below(&t->rng, 100) < free_pct) {
      st.freed_bytes += (int64_t)*(size_t *)st.blocks[i];
      bench_free(t, st.blocks[i]);
      st.blocks[i] = NULL;
      st.freed_blocks++;
    }
  }
  uint64_t burst_end = now_ns();
  for (int i = 0; i < offset_count; i++) {
    uint64_t wait_from = now_ns();
    wait_with_heartbeat(burst_end + (uint64_t)offsets[i] * 1000000ull, heartbeat_us);
    run->excluded_ns += now_ns() - wait_from;
    bench_snapshot(run, "after_free", (double)(now_ns() - burst_end) / 1e6);
  }

  for (uint64_t i = 0; i < st.count && t->live_local < target; i++)
    if (st.blocks[i] == NULL) st.blocks[i] = fresh(t);
  while (t->live_local < target) push(&st, fresh(t));
  run->t_end = now_ns();
  bench_snapshot(run, "refilled", -1.0);
  run->final = run->snapshots[run->snapshot_count - 1];

  for (uint64_t i = 0; i < st.count; i++)
    if (st.blocks[i]) bench_free(t, st.blocks[i]);
}

static void write_results(bench_run *run, json_writer *w) {
  frag_state *st = run->state;
  json_kv_uint(w, "blocks", st->count);
  json_kv_uint(w, "freed_blocks", st->freed_blocks);
  json_kv_int(w, "freed_bytes", st->freed_bytes);
}

static void cleanup(bench_run *run) { free(((frag_state *)run->state)->blocks); }

const workload_def WORKLOAD_FRAGMENTATION = {
    .name = "fragmentation",
    .summary = "fill, scattered free, RSS snapshots at fixed times after the free burst, refill",
    .params = PARAMS,
    .param_count = sizeof PARAMS / sizeof PARAMS[0],
    .default_threads = 1,
    .max_threads = 1,
    /* Few, expensive calls (each block is written in full): 1 in 4 still gives thousands of samples. */
    .default_sample_every = 4,
    .setup = setup,
    .run_custom = run_fragmentation,
    .write_results = write_results,
    .cleanup = cleanup,
};
