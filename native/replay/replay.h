/* Replays a trace plan: one thread per recorded thread, each in its own order, a call on an object
 * waiting (spin, then futex) for the previous call on that object; no lock shared by all threads.
 * Every allocation's memory is written (see `touch_mode`) as the program would have written it. */
#ifndef TRACEREPLAY_REPLAY_H
#define TRACEREPLAY_REPLAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../harness/lib/histogram.h"
#include "../harness/lib/rng.h"
#include "trace-plan.h"

#define REPLAY_EXIT_FAILED 8 /* the replay did not reproduce the recording (fidelity lost, threads) */
#define REPLAY_MAX_THREADS 4096
#define REPLAY_MAX_CPUS 256

typedef enum pace_mode { PACE_ASAP, PACE_RECORDED } pace_mode;
/* none: no write; first: the first byte; pages: one byte in every page of the requested size
 * (a realloc that grows writes its new part only), which makes resident what a program that fills
 * its buffers would, at a fraction of a memset's cost. */
typedef enum touch_mode { TOUCH_NONE, TOUCH_FIRST, TOUCH_PAGES } touch_mode;

typedef struct replay_thread {
  struct replay_shared *shared;
  uint32_t id;
  const thread_plan *plan;
  histogram *hist[KIND_COUNT]; /* own memory */
  rng rng;
  uint64_t next_sample;
  uint64_t done;    /* records processed (calls issued + recorded failures skipped) */
  uint64_t calls;   /* calls issued to the allocator */
  uint64_t failures; /* calls that failed in the replay although they succeeded in the recording */
  uint64_t waits;   /* calls that had to wait for another thread */
  uint64_t cpu_ns;
  uint64_t end_ns;
  int64_t live_local;
  _Atomic int64_t live_published;
  pthread_t handle;
} __attribute__((aligned(64))) replay_thread;

typedef struct replay_shared {
  const trace_plan *plan;
  pace_mode pace;
  touch_mode touch;
  uint64_t sample_every; /* 0 = no timing */
  uint64_t page_size;
  int cpus[REPLAY_MAX_CPUS];
  int cpu_count;
  /* Per object: its pointer and size in the replay, and how many of its calls are done. */
  void **slot;
  uint64_t *slot_size;
  _Atomic uint32_t *ready;
  /* Per seq: the live-byte change the replay applied, and whether it did (read back for fidelity). */
  int64_t *delta;
  uint8_t *applied;
  replay_thread *threads;
  pthread_barrier_t start;
  uint64_t t0;
  _Atomic uint32_t finished;
} replay_shared;

/* Allocates the shared tables (own memory); 0 or -1. */
int replay_prepare(replay_shared *s, const trace_plan *plan, uint64_t seed);
/* Starts the threads; they wait on the barrier the caller passes with replay_go. 0, or an errno. */
int replay_start(replay_shared *s);
/* Releases the threads; returns t0. */
uint64_t replay_go(replay_shared *s);
void replay_join(replay_shared *s);
int64_t replay_live_now(replay_shared *s);

/* Fidelity of what was replayed, from the per-seq deltas in seq order. */
typedef struct replay_fidelity {
  uint64_t ops;           /* records processed */
  uint64_t calls;         /* calls issued */
  uint64_t missing;       /* seqs never applied */
  uint64_t failures;
  uint64_t waits;
  uint64_t peak_live_bytes;
  int64_t end_live_bytes;
} replay_fidelity;
void replay_fidelity_of(const replay_shared *s, replay_fidelity *out);

#endif
