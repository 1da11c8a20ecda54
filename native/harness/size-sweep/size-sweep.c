/* size-sweep: the cost per size class. For each size in --sizes, the thread repeats
 * "allocate --batch blocks, free them" until --ops-per-size malloc+free calls are made; each
 * batch is timed as a whole (two clock reads per batch), giving the mean cost per call without
 * per-call timer overhead. Sampled per-call latencies also go into the global histograms.
 * Ignores --duration-ms and --ops. */
#include "../lib/bench.h"

#define SWEEP_MAX_SIZES BENCH_MAX_LIST

static const param_def PARAMS[] = {
    {"sizes", "16,32,48,64,96,128,256,512,1024,2048,4096,8192,16384,32768,65536,131072", 8, 1 << 26, 1,
     "block sizes, bytes"},
    {"batch", "64", 1, 100000, 0, "blocks allocated before they are freed"},
    {"ops-per-size", "200000", 2, 1000000000, 0, "malloc+free calls per size"},
};

typedef struct sweep_row {
  int64_t size;
  double malloc_ns, free_ns, ops_per_s;
} sweep_row;

typedef struct sweep_state {
  int rows;
  sweep_row row[SWEEP_MAX_SIZES];
} sweep_state;

static void run_sweep(bench_run *run) {
  static sweep_state st;
  bench_thread *t = &run->t[0];
  const int64_t *sizes;
  int n = param_list(run, "sizes", &sizes);
  int64_t batch = param_int(run, "batch");
  int64_t rounds = param_int(run, "ops-per-size") / (2 * batch);
  if (rounds < 1) rounds = 1;
  void **blocks = malloc(sizeof(void *) * (size_t)batch);
  if (blocks == NULL) bench_out_of_memory(sizeof(void *) * (size_t)batch);
  run->state = &st;
  run->t_start = now_ns();
  bench_snapshot(run, "start", -1.0);
  for (int s = 0; s < n; s++) {
    size_t size = (size_t)sizes[s];
    uint64_t malloc_ns = 0, free_ns = 0;
    for (int64_t r = 0; r < rounds; r++) {
      uint64_t a = now_ns();
      for (int64_t b = 0; b < batch; b++) blocks[b] = bench_malloc(t, size);
      uint64_t m = now_ns();
      for (int64_t b = 0; b < batch; b++) bench_free(t, blocks[b]);
      uint64_t f = now_ns();
      malloc_ns += m - a;
      free_ns += f - m;
    }
    double calls = (double)(rounds * batch);
    st.row[st.rows++] = (sweep_row){(int64_t)size, (double)malloc_ns / calls, (double)free_ns / calls,
                                    2.0 * calls / ((double)(malloc_ns + free_ns) / 1e9)};
  }
  run->t_end = now_ns();
  bench_snapshot(run, "end", -1.0);
  run->final = run->snapshots[run->snapshot_count - 1];
  free(blocks);
}

static void write_results(bench_run *run, json_writer *w) {
  sweep_state *st = run->state;
  json_key(w, "per_size");
  json_begin_array(w);
  for (int i = 0; i < st->rows; i++) {
    json_begin_object(w);
    json_kv_int(w, "size_bytes", st->row[i].size);
    json_kv_double(w, "malloc_ns_mean", st->row[i].malloc_ns);
    json_kv_double(w, "free_ns_mean", st->row[i].free_ns);
    json_kv_double(w, "ops_per_s", st->row[i].ops_per_s);
    json_end_object(w);
  }
  json_end_array(w);
}

const workload_def WORKLOAD_SIZE_SWEEP = {
    .name = "size-sweep",
    .summary = "fixed-size batches for each size in a list: mean malloc/free cost per size class",
    .params = PARAMS,
    .param_count = sizeof PARAMS / sizeof PARAMS[0],
    .default_threads = 1,
    .max_threads = 1,
    .run_custom = run_sweep,
    .write_results = write_results,
};
