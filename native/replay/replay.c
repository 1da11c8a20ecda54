#include "replay.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../harness/lib/sysinfo.h"
#include "own-memory.h"

#define WAITER_BIT 0x80000000u
#define SPINS 128

static void futex_wait(_Atomic uint32_t *addr, uint32_t expected) {
  syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *addr) { syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0); }

/* Waits until `step` calls on the object are done. Short spin, then a futex sleep with the waiter
 * bit set so that only objects someone waits on cost the publisher a syscall. */
static int wait_ready(_Atomic uint32_t *ready, uint32_t step) {
  uint32_t v = atomic_load_explicit(ready, memory_order_acquire);
  if ((v & ~WAITER_BIT) >= step) return 0;
  for (int i = 0; i < SPINS; i++) {
    __builtin_ia32_pause();
    v = atomic_load_explicit(ready, memory_order_acquire);
    if ((v & ~WAITER_BIT) >= step) return 1;
  }
  for (;;) {
    v = atomic_load_explicit(ready, memory_order_acquire);
    if ((v & ~WAITER_BIT) >= step) return 1;
    if (!(v & WAITER_BIT)) {
      if (!atomic_compare_exchange_weak_explicit(ready, &v, v | WAITER_BIT, memory_order_acq_rel, memory_order_acquire)) continue;
      v |= WAITER_BIT;
    }
    futex_wait(ready, v);
  }
}

static void publish(_Atomic uint32_t *ready, uint32_t done_steps) {
  uint32_t old = atomic_exchange_explicit(ready, done_steps, memory_order_acq_rel);
  if (old & WAITER_BIT) futex_wake_all(ready);
}

static void touch(const replay_shared *s, void *p, uint64_t from, uint64_t to, uint64_t seq) {
  if (p == NULL || to <= from || s->touch == TOUCH_NONE) return;
  volatile unsigned char *b = p;
  b[from] = (unsigned char)seq;
  if (s->touch == TOUCH_FIRST) return;
  /* Next page boundary of the block's own address space, then one byte a page. */
  uintptr_t addr = (uintptr_t)p + from;
  uint64_t off = from + (s->page_size - (addr & (s->page_size - 1)));
  for (; off < to; off += s->page_size) b[off] = (unsigned char)seq;
}

static void *create(const replay_op *op) {
  void *p = NULL;
  switch (op->mode) {
    case MODE_MALLOC: return malloc(op->size);
    case MODE_CALLOC: return calloc(1, op->size);
    case MODE_POSIX_MEMALIGN: return posix_memalign(&p, op->aux, op->size) == 0 ? p : NULL;
    case MODE_ALIGNED_ALLOC: return aligned_alloc(op->aux, op->size);
    case MODE_MEMALIGN: return memalign(op->aux, op->size);
    case MODE_VALLOC: return valloc(op->size);
    case MODE_PVALLOC: return pvalloc(op->size);
    case MODE_REALLOC_NEW: return realloc(NULL, op->size);
    default: return NULL;
  }
}

static void schedule_sample(replay_thread *t) {
  uint64_t n = t->shared->sample_every;
  t->next_sample = n == 0 ? UINT64_MAX : t->done + 1 + (n == 1 ? 0 : rng_below(&t->rng, 2 * n - 1));
}

/* One record: wait for its object's previous call, issue the call (timed when sampled), write the
 * memory, record the live-byte change under its seq. */
static void run_op(replay_thread *t, const replay_op *op) {
  replay_shared *s = t->shared;
  if (s->pace == PACE_RECORDED) {
    uint64_t target = s->t0 + op->t_ns, now = now_ns();
    if (target > now + 2000) sleep_ns(target - now);
  }
  if (op->obj != UINT32_MAX && op->step > 0) t->waits += (uint64_t)wait_ready(&s->ready[op->obj], op->step);
  int timed = t->done == t->next_sample;
  uint64_t t0 = timed ? now_ns() : 0;
  int64_t delta = 0;
  void *p;
  switch (op->mode) {
    case MODE_SKIP:
      timed = 0;
      break;
    case MODE_FREE_NULL:
      free(NULL);
      t->calls++;
      break;
    case MODE_FREE:
    case MODE_REALLOC_FREE:
      free(s->slot[op->obj]);
      t->calls++;
      delta = -(int64_t)s->slot_size[op->obj];
      s->slot[op->obj] = NULL;
      s->slot_size[op->obj] = 0;
      break;
    case MODE_REALLOC: {
      uint64_t old = s->slot_size[op->obj];
      p = realloc(s->slot[op->obj], op->size);
      t->calls++;
      if (timed) t0 = now_ns() - t0;
      if (p == NULL) {
        t->failures++;
        break;
      }
      touch(s, p, old, op->size, op->seq);
      s->slot[op->obj] = p;
      s->slot_size[op->obj] = op->size;
      delta = (int64_t)op->size - (int64_t)old;
      break;
    }
    default:
      p = create(op);
      t->calls++;
      if (timed) t0 = now_ns() - t0;
      if (p == NULL) {
        t->failures++;
        break;
      }
      touch(s, p, 0, op->size, op->seq);
      s->slot[op->obj] = p;
      s->slot_size[op->obj] = op->size;
      delta = (int64_t)op->size;
      break;
  }
  if (timed) {
    /* Frees and skips are timed here; allocations above, before their memory is written. */
    uint64_t ns = (op->mode == MODE_FREE || op->mode == MODE_FREE_NULL || op->mode == MODE_REALLOC_FREE) ? now_ns() - t0 : t0;
    hist_record(t->hist[op->kind], ns);
    schedule_sample(t);
  } else if (t->done == t->next_sample) {
    schedule_sample(t);
  }
  if (op->obj != UINT32_MAX) publish(&s->ready[op->obj], op->step + 1);
  s->delta[op->seq] = delta;
  s->applied[op->seq] = 1;
  t->live_local += delta;
  atomic_store_explicit(&t->live_published, t->live_local, memory_order_relaxed);
  t->done++;
}

static void *thread_main(void *arg) {
  replay_thread *t = arg;
  replay_shared *s = t->shared;
  if (s->cpu_count > 0) pin_self_to_cpu(s->cpus[t->id % (uint32_t)s->cpu_count]);
  schedule_sample(t);
  pthread_barrier_wait(&s->start);
  uint64_t cpu0 = thread_cpu_ns();
  for (uint64_t i = 0; i < t->plan->count; i++) run_op(t, &t->plan->ops[i]);
  t->cpu_ns = thread_cpu_ns() - cpu0;
  t->end_ns = now_ns();
  atomic_fetch_add(&s->finished, 1);
  return NULL;
}

int replay_prepare(replay_shared *s, const trace_plan *plan, uint64_t seed) {
  s->plan = plan;
  s->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
  size_t objs = (size_t)plan->object_count + 1, ops = (size_t)plan->op_total + 1;
  s->slot = own_alloc(objs * sizeof(void *));
  s->slot_size = own_alloc(objs * sizeof(uint64_t));
  s->ready = own_alloc(objs * sizeof(uint32_t));
  s->delta = own_alloc(ops * sizeof(int64_t));
  s->applied = own_alloc(ops);
  s->threads = own_alloc((size_t)plan->thread_count * sizeof(replay_thread) + 1);
  /* Every thread's histograms in one mapping (few own mappings: see trace-plan.c). */
  histogram *hists = own_alloc((size_t)plan->thread_count * KIND_COUNT * sizeof(histogram) + 1);
  if (!s->slot || !s->slot_size || !s->ready || !s->delta || !s->applied || !s->threads || !hists) return -1;
  for (uint32_t i = 0; i < plan->thread_count; i++) {
    replay_thread *t = &s->threads[i];
    t->shared = s;
    t->id = i;
    t->plan = &plan->threads[i];
    rng_seed(&t->rng, seed, (uint64_t)i + 1);
    for (int k = 0; k < KIND_COUNT; k++) t->hist[k] = &hists[(size_t)i * KIND_COUNT + k];
  }
  return 0;
}

int replay_start(replay_shared *s) {
  pthread_barrier_init(&s->start, NULL, s->plan->thread_count + 1);
  for (uint32_t i = 0; i < s->plan->thread_count; i++) {
    int rc = pthread_create(&s->threads[i].handle, NULL, thread_main, &s->threads[i]);
    if (rc != 0) return rc; /* the caller exits: threads already started wait on the barrier forever */
  }
  return 0;
}

uint64_t replay_go(replay_shared *s) {
  s->t0 = now_ns() + 1000000; /* paced threads measure from here; they pass the barrier well within 1 ms */
  pthread_barrier_wait(&s->start);
  return s->t0;
}

void replay_join(replay_shared *s) {
  for (uint32_t i = 0; i < s->plan->thread_count; i++) pthread_join(s->threads[i].handle, NULL);
}

int64_t replay_live_now(replay_shared *s) {
  int64_t sum = 0;
  for (uint32_t i = 0; i < s->plan->thread_count; i++) sum += atomic_load_explicit(&s->threads[i].live_published, memory_order_relaxed);
  return sum;
}

void replay_fidelity_of(const replay_shared *s, replay_fidelity *out) {
  memset(out, 0, sizeof *out);
  for (uint32_t i = 0; i < s->plan->thread_count; i++) {
    out->ops += s->threads[i].done;
    out->calls += s->threads[i].calls;
    out->failures += s->threads[i].failures;
    out->waits += s->threads[i].waits;
  }
  int64_t live = 0;
  for (uint64_t q = 0; q < s->plan->op_total; q++) {
    if (!s->applied[q]) out->missing++;
    live += s->delta[q];
    if (live > 0 && (uint64_t)live > out->peak_live_bytes) out->peak_live_bytes = (uint64_t)live;
  }
  out->end_live_bytes = live;
}
