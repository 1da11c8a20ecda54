/* Workload interface and the runner shared by every workload: threads (optionally pinned),
 * sampled malloc/free timing into per-thread histograms, live-byte accounting, memory snapshots. */
#ifndef ALLOCBENCH_BENCH_H
#define ALLOCBENCH_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc-probe.h"
#include "histogram.h"
#include "json-writer.h"
#include "rng.h"
#include "sysinfo.h"

#define BENCH_MAX_PARAMS 16
#define BENCH_MAX_THREADS 256
#define BENCH_MAX_SNAPSHOTS 64
#define BENCH_MAX_LIST 64

/* A workload parameter. `name` is the kebab-case flag (--name); JSON uses snake_case. */
typedef struct param_def {
  const char *name;
  const char *default_value;
  int64_t min, max; /* inclusive bounds of each value */
  int is_list;      /* comma-separated integers */
  const char *help;
} param_def;

struct bench_run;
struct bench_thread;

typedef struct workload_def {
  const char *name;
  const char *summary;
  const param_def *params;
  int param_count;
  int default_threads;
  int max_threads;
  uint64_t default_sample_every; /* 0: the generic default (128) */
  /* All hooks are optional except one of thread_body / run_custom. */
  int (*setup)(struct bench_run *run);                 /* main thread, before any worker; -2 = bad parameters */
  void (*thread_prepare)(struct bench_thread *t);      /* untimed, before the start barrier */
  void (*thread_body)(struct bench_thread *t);         /* measured; return once bench_should_stop() */
  void (*thread_teardown)(struct bench_thread *t);     /* after the end snapshot: free everything */
  void (*run_custom)(struct bench_run *run);           /* phase-driven single-thread workloads */
  void (*write_results)(struct bench_run *run, json_writer *w); /* inside "results": {} */
  void (*cleanup)(struct bench_run *run);
} workload_def;

typedef struct bench_thread {
  int id;
  struct bench_run *run;
  rng rng;
  histogram *malloc_hist;
  histogram *free_hist;
  uint64_t next_sample; /* value of `ops` at which the next call is timed; UINT64_MAX = never */
  uint64_t ops;
  uint64_t cpu_ns; /* thread CPU time spent in the measured phase */
  int64_t live_local;
  _Atomic int64_t live_published;
  void *state;
  pthread_t handle;
} __attribute__((aligned(64))) bench_thread;

typedef struct snapshot {
  const char *phase;
  double at_ms;
  double after_free_ms; /* < 0: not applicable */
  uint64_t rss_bytes;
  int64_t live_requested_bytes;
  alloc_stats stats;
} snapshot;

typedef struct bench_run {
  const workload_def *wl;
  alloc_probe *probe;
  int threads;
  uint64_t duration_ms;
  uint64_t ops_limit; /* malloc+free calls per thread; 0 = none */
  uint64_t seed;
  uint64_t sample_every;
  uint64_t snapshot_every_ms;
  const char *cpu_list;
  int cpus[BENCH_MAX_THREADS];
  int cpu_count;
  const char *param_text[BENCH_MAX_PARAMS];
  int64_t param_values[BENCH_MAX_PARAMS][BENCH_MAX_LIST];
  int param_lengths[BENCH_MAX_PARAMS];

  bench_thread *t;
  _Atomic int stop;
  _Atomic int finished;
  pthread_barrier_t start_barrier, measured_barrier, teardown_barrier;
  uint64_t t_start, t_end;   /* measured phase */
  uint64_t excluded_ns;      /* waiting time inside the measured phase (custom workloads) */
  int snapshot_count;
  snapshot snapshots[BENCH_MAX_SNAPSHOTS];
  snapshot final;            /* at the end of the measured phase, before teardown */
  histogram malloc_total, free_total;
  void *state;
} bench_run;

/* Parsed value of a workload parameter (first element for lists). */
int64_t param_int(const bench_run *run, const char *name);
/* List parameter: returns its length and points *values at the elements. */
int param_list(const bench_run *run, const char *name, const int64_t **values);

/* Run the workload; fills timings, histograms and snapshots. 0 on success, else setup's code. */
int bench_execute(bench_run *run);
/* Record a memory snapshot now (main or workload thread). */
void bench_snapshot(bench_run *run, const char *phase, double after_free_ms);
/* Sum of the live requested bytes of all threads. */
int64_t bench_live_bytes(bench_run *run);

_Noreturn void bench_out_of_memory(size_t size);
/* Schedules the next timed call; sampling off keeps it at UINT64_MAX, so the untimed path costs the
 * same compare with sampling on or off and the on/off difference is the timed calls alone. */
void bench_schedule_sample(bench_thread *t);

static inline int bench_should_stop(const bench_thread *t) {
  return atomic_load_explicit(&t->run->stop, memory_order_relaxed) || (t->run->ops_limit && t->ops >= t->run->ops_limit);
}

/* malloc() with sampled timing; stores the requested size in the first word (size >= 8). */
static inline void *bench_malloc(bench_thread *t, size_t size) {
  void *p;
  if (__builtin_expect(t->ops == t->next_sample, 0)) {
    uint64_t t0 = now_ns();
    p = malloc(size);
    uint64_t t1 = now_ns();
    hist_record(t->malloc_hist, t1 - t0);
    bench_schedule_sample(t);
  } else {
    p = malloc(size);
  }
  if (p == NULL) bench_out_of_memory(size);
  *(size_t *)p = size;
  t->ops++;
  t->live_local += (int64_t)size;
  atomic_store_explicit(&t->live_published, t->live_local, memory_order_relaxed);
  return p;
}

/* free() with sampled timing of a block from bench_malloc (any thread's). */
static inline void bench_free(bench_thread *t, void *p) {
  size_t size = *(size_t *)p;
  if (__builtin_expect(t->ops == t->next_sample, 0)) {
    uint64_t t0 = now_ns();
    free(p);
    uint64_t t1 = now_ns();
    hist_record(t->free_hist, t1 - t0);
    bench_schedule_sample(t);
  } else {
    free(p);
  }
  t->ops++;
  t->live_local -= (int64_t)size;
  atomic_store_explicit(&t->live_published, t->live_local, memory_order_relaxed);
}

#endif
