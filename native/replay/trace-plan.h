/* Pre-processing of a loaded trace into what the replay threads execute: (address, generation)
 * pairs become object ids, each recorded thread gets its own op list in seq order, and each op on
 * an object carries its step (0 = the allocating call), so that a thread waits only for the
 * previous call on the same object (a cross-thread free waits for the allocation, a free after a
 * realloc elsewhere for that realloc). The recording's own fidelity figures are computed here. */
#ifndef TRACEREPLAY_TRACE_PLAN_H
#define TRACEREPLAY_TRACE_PLAN_H

#include <stdint.h>

#include "trace-load.h"

/* What a replay thread does for one record. */
enum replay_mode {
  MODE_SKIP = 0,        /* the recorded call failed: not issued (counted, no effect) */
  MODE_MALLOC,          /* creates the object */
  MODE_CALLOC,
  MODE_POSIX_MEMALIGN,
  MODE_ALIGNED_ALLOC,
  MODE_MEMALIGN,
  MODE_VALLOC,
  MODE_PVALLOC,
  MODE_REALLOC_NEW,     /* realloc(NULL, n), or of a pointer the trace never allocated: creates the object */
  MODE_REALLOC,         /* realloc of the object to `size` (moved or not, it stays the same object) */
  MODE_REALLOC_FREE,    /* glibc's realloc(p, 0) that freed p: issued as free(), since other allocators return a block */
  MODE_FREE,
  MODE_FREE_NULL,       /* free(NULL), or free of a pointer the trace never allocated: issued as free(NULL) */
};

/* Latency histogram a call is recorded in. */
enum replay_kind { KIND_MALLOC, KIND_CALLOC, KIND_REALLOC, KIND_FREE, KIND_ALIGNED, KIND_COUNT };
extern const char *const REPLAY_KIND_NAMES[KIND_COUNT];

typedef struct replay_op {
  uint64_t t_ns;
  uint64_t size;
  uint64_t aux; /* alignment */
  uint64_t seq;
  uint32_t obj;
  uint32_t step;
  uint8_t mode;
  uint8_t kind;
} replay_op;

typedef struct thread_plan {
  replay_op *ops; /* own memory */
  uint64_t count;
} thread_plan;

typedef struct trace_plan {
  uint32_t thread_count;
  thread_plan *threads;
  replay_op *op_block; /* every thread's ops, thread after thread (own memory) */
  uint64_t op_total;
  uint32_t object_count;
  /* The recording's figures, in seq order. */
  uint64_t peak_live_bytes;
  uint64_t peak_live_seq;
  int64_t end_live_bytes;
  uint64_t failed_calls;
  uint64_t unknown_pointers; /* free/realloc of an address the trace never allocated (e.g. before tracing started) */
  uint64_t ops_by_kind[KIND_COUNT];
  uint64_t end_t_ns;
} trace_plan;

/* 0, or 1 with a message in *err when memory runs out. */
int trace_plan_build(const trace_file *t, trace_plan *plan, trace_error *err);
void trace_plan_release(trace_plan *plan);
/* Bytes the plan holds (the replayer's own overhead during the replay). */
uint64_t trace_plan_bytes(const trace_plan *plan);

#endif
