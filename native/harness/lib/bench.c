#include "bench.h"

#include <stdio.h>
#include <string.h>

static int param_index(const bench_run *run, const char *name) {
  for (int i = 0; i < run->wl->param_count; i++)
    if (strcmp(run->wl->params[i].name, name) == 0) return i;
  fprintf(stderr, "allocbench: internal error: workload %s has no parameter %s\n", run->wl->name, name);
  abort();
}

int64_t param_int(const bench_run *run, const char *name) { return run->param_values[param_index(run, name)][0]; }

int param_list(const bench_run *run, const char *name, const int64_t **values) {
  int i = param_index(run, name);
  *values = run->param_values[i];
  return run->param_lengths[i];
}

_Noreturn void bench_out_of_memory(size_t size) {
  fprintf(stderr, "allocbench: malloc(%zu) returned NULL\n", size);
  exit(1);
}

/* Stride uniform in [1, 2N-1]: mean N, and no fixed period that could alias with a workload's
 * (a batch of 64 mallocs then 64 frees would otherwise always time the same call). */
void bench_schedule_sample(bench_thread *t) {
  uint64_t n = t->run->sample_every;
  if (n == 0) t->next_sample = UINT64_MAX;
  else t->next_sample = t->ops + 1 + (n == 1 ? 0 : rng_below(&t->rng, 2 * n - 1));
}

int64_t bench_live_bytes(bench_run *run) {
  int64_t sum = 0;
  int n = run->wl->run_custom ? 1 : run->threads;
  for (int i = 0; i < n; i++) sum += atomic_load_explicit(&run->t[i].live_published, memory_order_relaxed);
  return sum;
}

static void fill_snapshot(bench_run *run, snapshot *s, const char *phase, double after_free_ms) {
  s->phase = phase;
  s->at_ms = run->t_start ? (double)(now_ns() - run->t_start) / 1e6 : 0.0;
  s->after_free_ms = after_free_ms;
  s->rss_bytes = rss_bytes();
  s->live_requested_bytes = bench_live_bytes(run);
  probe_read_stats(run->probe, &s->stats);
}

void bench_snapshot(bench_run *run, const char *phase, double after_free_ms) {
  if (run->snapshot_count >= BENCH_MAX_SNAPSHOTS) return;
  fill_snapshot(run, &run->snapshots[run->snapshot_count++], phase, after_free_ms);
}

static void init_thread(bench_run *run, bench_thread *t, int id) {
  t->id = id;
  t->run = run;
  rng_seed(&t->rng, run->seed, (uint64_t)id + 1);
  t->next_sample = UINT64_MAX;
  t->malloc_hist = calloc(1, sizeof(histogram));
  t->free_hist = calloc(1, sizeof(histogram));
  if (!t->malloc_hist || !t->free_hist) bench_out_of_memory(sizeof(histogram));
}

/* Start the measured phase: untimed preparation (prefill) is not counted. */
static void arm_sampling(bench_thread *t) {
  t->ops = 0;
  bench_schedule_sample(t);
  t->next_sample -= t->next_sample == UINT64_MAX ? 0 : 1; /* the first call can be timed too */
}

static void *thread_main(void *arg) {
  bench_thread *t = arg;
  bench_run *run = t->run;
  if (run->cpu_count > 0) pin_self_to_cpu(run->cpus[t->id % run->cpu_count]);
  if (run->wl->thread_prepare) run->wl->thread_prepare(t);
  arm_sampling(t);
  pthread_barrier_wait(&run->start_barrier);
  uint64_t cpu0 = thread_cpu_ns();
  run->wl->thread_body(t);
  t->cpu_ns = thread_cpu_ns() - cpu0;
  atomic_fetch_add(&run->finished, 1);
  pthread_barrier_wait(&run->measured_barrier);
  pthread_barrier_wait(&run->teardown_barrier);
  if (run->wl->thread_teardown) run->wl->thread_teardown(t);
  return NULL;
}

static void wait_measured_phase(bench_run *run) {
  uint64_t deadline = run->duration_ms ? run->t_start + run->duration_ms * 1000000ull : UINT64_MAX;
  uint64_t next_snapshot = run->snapshot_every_ms ? run->t_start + run->snapshot_every_ms * 1000000ull : UINT64_MAX;
  for (;;) {
    uint64_t now = now_ns();
    if (atomic_load(&run->finished) == run->threads || now >= deadline) break;
    if (now >= next_snapshot) {
      bench_snapshot(run, "periodic", -1.0);
      next_snapshot += run->snapshot_every_ms * 1000000ull;
    }
    uint64_t wake = deadline < next_snapshot ? deadline : next_snapshot;
    uint64_t chunk = 5000000ull; /* poll for an early finish (ops limit) every 5 ms */
    sleep_ns(wake - now < chunk ? wake - now : chunk);
  }
  atomic_store(&run->stop, 1);
}

int bench_execute(bench_run *run) {
  int n = run->wl->run_custom ? 1 : run->threads;
  run->t = aligned_alloc(64, sizeof(bench_thread) * (size_t)n);
  if (run->t == NULL) bench_out_of_memory(sizeof(bench_thread) * (size_t)n);
  memset(run->t, 0, sizeof(bench_thread) * (size_t)n);
  for (int i = 0; i < n; i++) init_thread(run, &run->t[i], i);
  if (run->cpu_count > 0) pin_self_to_cpus(run->cpus, run->cpu_count);
  if (run->wl->setup) {
    int rc = run->wl->setup(run);
    if (rc != 0) return rc;
  }

  if (run->wl->run_custom) {
    if (run->cpu_count > 0) pin_self_to_cpu(run->cpus[0]);
    arm_sampling(&run->t[0]);
    uint64_t cpu0 = thread_cpu_ns();
    run->wl->run_custom(run); /* sets t_start/t_end, snapshots and final itself */
    run->t[0].cpu_ns = thread_cpu_ns() - cpu0;
  } else {
    pthread_barrier_init(&run->start_barrier, NULL, (unsigned)n + 1);
    pthread_barrier_init(&run->measured_barrier, NULL, (unsigned)n + 1);
    pthread_barrier_init(&run->teardown_barrier, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
      int rc = pthread_create(&run->t[i].handle, NULL, thread_main, &run->t[i]);
      if (rc != 0) {
        fprintf(stderr, "allocbench: pthread_create: %s\n", strerror(rc));
        exit(1);
      }
    }
    pthread_barrier_wait(&run->start_barrier);
    run->t_start = now_ns();
    bench_snapshot(run, "start", -1.0);
    wait_measured_phase(run);
    pthread_barrier_wait(&run->measured_barrier);
    run->t_end = now_ns();
    fill_snapshot(run, &run->final, "end", -1.0);
    if (run->snapshot_count < BENCH_MAX_SNAPSHOTS) run->snapshots[run->snapshot_count++] = run->final;
    pthread_barrier_wait(&run->teardown_barrier);
    for (int i = 0; i < n; i++) pthread_join(run->t[i].handle, NULL);
    pthread_barrier_destroy(&run->start_barrier);
    pthread_barrier_destroy(&run->measured_barrier);
    pthread_barrier_destroy(&run->teardown_barrier);
  }
  for (int i = 0; i < n; i++) {
    hist_merge(&run->malloc_total, run->t[i].malloc_hist);
    hist_merge(&run->free_total, run->t[i].free_hist);
  }
  return 0;
}
