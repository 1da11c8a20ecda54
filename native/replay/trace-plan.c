#include "trace-plan.h"

#include <stdio.h>
#include <string.h>

#include "own-memory.h"

const char *const REPLAY_KIND_NAMES[KIND_COUNT] = {"malloc", "calloc", "realloc", "free", "aligned"};

/* Open-addressing map from a live address to its object id (linear probing, backward-shift delete). */
typedef struct addr_map {
  uint64_t *keys; /* 0 = empty (NULL is never a live address) */
  uint32_t *values;
  uint64_t mask;
  size_t bytes;
} addr_map;

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

static int map_init(addr_map *m, uint64_t max_live) {
  uint64_t cap = 16;
  while (cap < 2 * max_live) cap <<= 1;
  m->mask = cap - 1;
  m->bytes = (size_t)cap * (sizeof(uint64_t) + sizeof(uint32_t));
  m->keys = own_alloc(m->bytes);
  m->values = m->keys ? (uint32_t *)(m->keys + cap) : NULL;
  return m->keys != NULL;
}

static uint64_t map_find_slot(const addr_map *m, uint64_t key) {
  uint64_t i = mix(key) & m->mask;
  while (m->keys[i] != 0 && m->keys[i] != key) i = (i + 1) & m->mask;
  return i;
}

static void map_put(addr_map *m, uint64_t key, uint32_t value) {
  uint64_t i = map_find_slot(m, key);
  m->keys[i] = key;
  m->values[i] = value;
}

/* Removes `key`; returns its value, or UINT32_MAX when absent. */
static uint32_t map_take(addr_map *m, uint64_t key) {
  uint64_t i = map_find_slot(m, key);
  if (m->keys[i] == 0) return UINT32_MAX;
  uint32_t value = m->values[i];
  m->keys[i] = 0;
  for (uint64_t j = (i + 1) & m->mask; m->keys[j] != 0; j = (j + 1) & m->mask) {
    uint64_t home = mix(m->keys[j]) & m->mask;
    /* Move j back into the hole when its home does not lie cyclically in (i, j]. */
    if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
      m->keys[i] = m->keys[j];
      m->values[i] = m->values[j];
      m->keys[j] = 0;
      i = j;
    }
  }
  return value;
}

static uint8_t kind_of(unsigned op) {
  switch (op) {
    case OP_MALLOC: return KIND_MALLOC;
    case OP_CALLOC: return KIND_CALLOC;
    case OP_REALLOC: return KIND_REALLOC;
    case OP_FREE: return KIND_FREE;
    default: return KIND_ALIGNED;
  }
}

static uint8_t create_mode(unsigned op) {
  switch (op) {
    case OP_MALLOC: return MODE_MALLOC;
    case OP_CALLOC: return MODE_CALLOC;
    case OP_POSIX_MEMALIGN: return MODE_POSIX_MEMALIGN;
    case OP_ALIGNED_ALLOC: return MODE_ALIGNED_ALLOC;
    case OP_MEMALIGN: return MODE_MEMALIGN;
    case OP_VALLOC: return MODE_VALLOC;
    case OP_PVALLOC: return MODE_PVALLOC;
    default: return MODE_REALLOC_NEW;
  }
}

typedef struct plan_state {
  addr_map map;
  uint64_t *obj_size;
  uint32_t *obj_steps;
  uint32_t next_obj;
  int64_t live;
} plan_state;

static uint32_t new_object(plan_state *s, uint64_t ptr, uint64_t size) {
  uint32_t id = s->next_obj++;
  s->obj_size[id] = size;
  s->obj_steps[id] = 1;
  /* An address still mapped was freed before tracing started or by an untraced path: the new call wins. */
  (void)map_take(&s->map, ptr);
  map_put(&s->map, ptr, id);
  s->live += (int64_t)size;
  return id;
}

/* Fills `op` (mode, object, step) from record `r` and updates the live-byte count. */
static void plan_record(plan_state *s, trace_plan *plan, const trace_record *r, replay_op *op) {
  op->mode = MODE_SKIP;
  op->obj = UINT32_MAX;
  op->step = 0;
  if (r->flags & TRACE_FLAG_FAILED) {
    plan->failed_calls++;
    return;
  }
  if (r->op == OP_FREE) {
    uint32_t id = r->ptr == 0 ? UINT32_MAX : map_take(&s->map, r->ptr);
    if (r->ptr != 0 && id == UINT32_MAX) plan->unknown_pointers++;
    if (id == UINT32_MAX) {
      op->mode = MODE_FREE_NULL;
      return;
    }
    op->mode = MODE_FREE;
    op->obj = id;
    op->step = s->obj_steps[id]++;
    s->live -= (int64_t)s->obj_size[id];
    return;
  }
  if (r->op == OP_REALLOC && r->aux != 0) {
    uint32_t id = map_take(&s->map, r->aux);
    if (id == UINT32_MAX) {
      plan->unknown_pointers++;
      if (r->ptr == 0) { /* realloc(unknown, 0) that freed it */
        op->mode = MODE_FREE_NULL;
        return;
      }
      op->mode = MODE_REALLOC_NEW;
      op->obj = new_object(s, r->ptr, r->size);
      return;
    }
    op->obj = id;
    op->step = s->obj_steps[id]++;
    if (r->ptr == 0) { /* glibc realloc(p, 0): p freed, NULL returned */
      op->mode = MODE_REALLOC_FREE;
      s->live -= (int64_t)s->obj_size[id];
      return;
    }
    op->mode = MODE_REALLOC;
    s->live += (int64_t)r->size - (int64_t)s->obj_size[id];
    s->obj_size[id] = r->size;
    map_put(&s->map, r->ptr, id);
    return;
  }
  op->mode = create_mode(r->op);
  op->obj = new_object(s, r->ptr, r->size);
}

static uint64_t creates_upper_bound(const trace_file *t) {
  uint64_t n = 0;
  for (uint64_t i = 0; i < t->count; i++)
    if (t->records[i].op != OP_FREE && !(t->records[i].flags & TRACE_FLAG_FAILED)) n++;
  return n;
}

int trace_plan_build(const trace_file *t, trace_plan *plan, trace_error *err) {
  memset(plan, 0, sizeof *plan);
  plan->thread_count = t->thread_count;
  plan->end_t_ns = t->end_t_ns;
  plan->threads = own_alloc((size_t)t->thread_count * sizeof(thread_plan) + 1);
  uint64_t creates = creates_upper_bound(t);
  if (creates >= UINT32_MAX) {
    snprintf(err->message, sizeof err->message, "%llu allocating calls: more than this replayer's 2^32-1 objects", (unsigned long long)creates);
    return err->code = TRACE_ERR_INCONSISTENT;
  }
  plan_state s = {0};
  s.obj_size = own_alloc((size_t)(creates + 1) * sizeof(uint64_t));
  s.obj_steps = own_alloc((size_t)(creates + 1) * sizeof(uint32_t));
  int ok = plan->threads && s.obj_size && s.obj_steps && map_init(&s.map, creates);
  for (uint64_t i = 0; ok && i < t->count; i++) plan->threads[t->records[i].thread].count++;
  /* One mapping for every thread's ops, not one each: the replayer's own mappings stay few, so
   * measuring their resident bytes at every snapshot is a handful of mincore calls (own-memory.c). */
  if (ok) ok = (plan->op_block = own_alloc((size_t)t->count * sizeof(replay_op) + 1)) != NULL;
  for (uint64_t k = 0, at = 0; ok && k < t->thread_count; k++) {
    plan->threads[k].ops = plan->op_block + at;
    at += plan->threads[k].count;
    plan->threads[k].count = 0;
  }
  for (uint64_t i = 0; ok && i < t->count; i++) {
    const trace_record *r = &t->records[i];
    thread_plan *tp = &plan->threads[r->thread];
    replay_op *op = &tp->ops[tp->count++];
    op->t_ns = r->t_ns;
    op->size = r->size;
    op->aux = r->aux;
    op->seq = i;
    op->kind = kind_of(r->op);
    plan_record(&s, plan, r, op);
    plan->ops_by_kind[op->kind]++;
    if (s.live > 0 && (uint64_t)s.live > plan->peak_live_bytes) {
      plan->peak_live_bytes = (uint64_t)s.live;
      plan->peak_live_seq = i;
    }
  }
  plan->op_total = t->count;
  plan->object_count = s.next_obj;
  plan->end_live_bytes = s.live;
  own_free(s.map.keys, s.map.bytes);
  own_free(s.obj_size, (size_t)(creates + 1) * sizeof(uint64_t));
  own_free(s.obj_steps, (size_t)(creates + 1) * sizeof(uint32_t));
  if (!ok) {
    trace_plan_release(plan);
    snprintf(err->message, sizeof err->message, "out of memory pre-processing %llu records", (unsigned long long)t->count);
    return err->code = 1;
  }
  return 0;
}

void trace_plan_release(trace_plan *plan) {
  if (plan->threads == NULL) return;
  own_free(plan->op_block, (size_t)plan->op_total * sizeof(replay_op) + 1);
  plan->op_block = NULL;
  own_free(plan->threads, (size_t)plan->thread_count * sizeof(thread_plan) + 1);
  plan->threads = NULL;
}

uint64_t trace_plan_bytes(const trace_plan *plan) {
  uint64_t bytes = (uint64_t)plan->thread_count * sizeof(thread_plan);
  for (uint32_t k = 0; k < plan->thread_count; k++) bytes += plan->threads[k].count * sizeof(replay_op);
  return bytes;
}
