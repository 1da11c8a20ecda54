/* tracereplay: replays an alloctune allocation trace (format v1, TRACE-FORMAT.md / native/tracer/)
 * under whatever allocator is preloaded, and prints one JSON document (schema alloctune.replay/1,
 * zod schema src/core/replay-result.ts): RSS over time and after the end, peak RSS, latency
 * histograms of the replayed calls by kind, ops per CPU-second, the serving allocator, and the
 * fidelity of the replay (op count and peak live bytes, from the file and from the replay).
 * Exit codes: 0 ok, 1 internal, 2 usage, 3-7 unusable trace file (trace-load.h), 8 replay failed. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../harness/lib/alloc-probe.h"
#include "../harness/lib/json-writer.h"
#include "../harness/lib/pinned-exec.h"
#include "../harness/lib/sysinfo.h"
#include "own-memory.h"
#include "replay.h"
#include "trace-load.h"
#include "trace-plan.h"

#define TRACEREPLAY_VERSION "1.0.0"
#define SCHEMA "alloctune.replay/1"
#define MAX_OFFSETS 16
#define MAX_TIMELINE 128

typedef struct options {
  const char *trace;
  pace_mode pace;
  touch_mode touch;
  uint64_t sample_every;
  uint64_t snapshot_every_ms;
  uint64_t offsets_ms[MAX_OFFSETS];
  int offset_count;
  const char *cpu_list;
  uint64_t seed;
  int check_only;
  probe_request probe;
} options;

typedef struct snap {
  double at_ms;
  double after_end_ms; /* < 0 during the replay */
  uint64_t rss_bytes;
  uint64_t own_resident_bytes; /* of the replayer's own mappings, read right after rss_bytes */
  int64_t live_bytes;
  alloc_stats stats;
} snap;

static void usage(FILE *out) {
  fprintf(out,
          "usage: tracereplay --trace FILE [--pace asap|recorded] [--touch none|first|pages] [--sample-every N]\n"
          "                   [--snapshot-every-ms MS] [--snapshot-ms LIST] [--cpus LIST] [--seed S]\n"
          "                   [--identity-symbols A,B] [--options-symbol F] [--version-symbol F]\n"
          "       tracereplay --trace FILE --check   validate the file and print the recording's figures only\n"
          "exit: 0 ok, 2 usage, 3 unreadable, 4 not a v1 trace, 5 corrupt block, 6 truncated, 7 inconsistent, 8 replay failed\n");
}

static _Noreturn void usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "tracereplay: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  usage(stderr);
  exit(2);
}

static uint64_t parse_u64(const char *text, uint64_t max, const char *flag) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (end == text || *end || errno || text[0] == '-' || v > max) usage_error("bad value for %s", flag);
  return v;
}

static void parse_offsets(options *o, const char *text) {
  const char *p = text;
  o->offset_count = 0;
  for (;;) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p || errno || *p == '-' || v > 3600000 || o->offset_count >= MAX_OFFSETS) usage_error("bad --snapshot-ms list '%s' (up to 16 offsets, 0..3600000 ms, ascending)", text);
    if (o->offset_count > 0 && v < o->offsets_ms[o->offset_count - 1]) usage_error("bad --snapshot-ms list '%s' (up to 16 offsets, 0..3600000 ms, ascending)", text);
    o->offsets_ms[o->offset_count++] = v;
    if (*end == '\0') break;
    if (*end != ',') usage_error("bad --snapshot-ms list '%s' (up to 16 offsets, 0..3600000 ms, ascending)", text);
    p = end + 1;
  }
}

static void parse_args(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->pace = PACE_ASAP;
  o->touch = TOUCH_PAGES;
  o->sample_every = 16;
  o->snapshot_every_ms = 50;
  o->offsets_ms[0] = 0;
  o->offset_count = 1;
  o->seed = 42;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    }
    if (strcmp(a, "--check") == 0) {
      o->check_only = 1;
      continue;
    }
    if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) usage_error("unexpected argument '%s' (flags take a value: --flag VALUE)", a);
    const char *v = argv[++i];
    if (strcmp(a, "--trace") == 0) o->trace = v;
    else if (strcmp(a, "--pace") == 0) {
      if (strcmp(v, "asap") == 0) o->pace = PACE_ASAP;
      else if (strcmp(v, "recorded") == 0) o->pace = PACE_RECORDED;
      else usage_error("bad --pace '%s' (asap or recorded)", v);
    } else if (strcmp(a, "--touch") == 0) {
      if (strcmp(v, "none") == 0) o->touch = TOUCH_NONE;
      else if (strcmp(v, "first") == 0) o->touch = TOUCH_FIRST;
      else if (strcmp(v, "pages") == 0) o->touch = TOUCH_PAGES;
      else usage_error("bad --touch '%s' (none, first or pages)", v);
    } else if (strcmp(a, "--sample-every") == 0) o->sample_every = parse_u64(v, 1000000000, a);
    else if (strcmp(a, "--snapshot-every-ms") == 0) o->snapshot_every_ms = parse_u64(v, 3600000, a);
    else if (strcmp(a, "--snapshot-ms") == 0) parse_offsets(o, v);
    else if (strcmp(a, "--seed") == 0) o->seed = parse_u64(v, UINT64_MAX, a);
    else if (strcmp(a, "--cpus") == 0) o->cpu_list = v;
    else if (strcmp(a, "--identity-symbols") == 0) o->probe.identity_symbols = v;
    else if (strcmp(a, "--options-symbol") == 0) o->probe.options_symbol = v;
    else if (strcmp(a, "--version-symbol") == 0) o->probe.version_symbol = v;
    else usage_error("unknown flag '%s'", a);
  }
  if (o->trace == NULL) usage_error("%s", "--trace FILE is required");
}

static const char *pace_name(pace_mode p) { return p == PACE_RECORDED ? "recorded" : "asap"; }
static const char *touch_name(touch_mode t) { return t == TOUCH_NONE ? "none" : t == TOUCH_FIRST ? "first" : "pages"; }

/* MemAvailable of /proc/meminfo in bytes; 0 when unknown. */
static uint64_t mem_available_bytes(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  if (!f) return 0;
  char line[256];
  unsigned long long kib = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) break;
  fclose(f);
  return (uint64_t)kib * 1024;
}

/* Resets VmHWM so that the peak covers the replay, not the loading of the trace. */
static int reset_peak_rss(void) {
  int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int ok = write(fd, "5", 1) == 1;
  close(fd);
  return ok ? 0 : -1;
}

static void write_latency(json_writer *w, const histogram *h) {
  json_begin_object(w);
  json_kv_uint(w, "count", h->total);
  json_kv_uint(w, "p50", hist_percentile(h, 50.0));
  json_kv_uint(w, "p90", hist_percentile(h, 90.0));
  json_kv_uint(w, "p99", hist_percentile(h, 99.0));
  json_kv_uint(w, "p999", hist_percentile(h, 99.9));
  json_kv_uint(w, "p9999", hist_percentile(h, 99.99));
  json_kv_uint(w, "max", h->max_ns);
  json_kv_double(w, "mean", hist_mean(h));
  json_end_object(w);
}

static void write_snap(json_writer *w, const snap *s) {
  json_begin_object(w);
  json_kv_double(w, "at_ms", s->at_ms);
  if (s->after_end_ms < 0) json_kv_null(w, "after_end_ms");
  else json_kv_double(w, "after_end_ms", s->after_end_ms);
  json_kv_uint(w, "rss_bytes", s->rss_bytes);
  json_kv_uint(w, "replayer_resident_bytes", s->own_resident_bytes);
  json_kv_int(w, "live_requested_bytes", s->live_bytes > 0 ? s->live_bytes : 0);
  if (s->live_bytes > 0) json_kv_double(w, "fragmentation_ratio", (double)s->rss_bytes / (double)s->live_bytes);
  else json_kv_null(w, "fragmentation_ratio");
  json_key(w, "allocator_stats");
  write_alloc_stats(w, &s->stats);
  json_end_object(w);
}

static void write_recorded(json_writer *w, const trace_file *t, const trace_plan *p) {
  json_key(w, "recorded");
  json_begin_object(w);
  json_kv_uint(w, "ops", p->op_total);
  json_kv_uint(w, "peak_live_bytes", p->peak_live_bytes);
  json_kv_uint(w, "peak_live_seq", p->peak_live_seq);
  json_kv_int(w, "end_live_bytes", p->end_live_bytes);
  json_kv_uint(w, "threads", p->thread_count);
  json_kv_uint(w, "objects", p->object_count);
  json_kv_uint(w, "failed_calls", p->failed_calls);
  json_kv_uint(w, "unknown_pointers", p->unknown_pointers);
  json_key(w, "ops_by_kind");
  json_begin_object(w);
  for (int k = 0; k < KIND_COUNT; k++) json_kv_uint(w, REPLAY_KIND_NAMES[k], p->ops_by_kind[k]);
  json_end_object(w);
  json_kv_double(w, "duration_ms", (double)t->end_t_ns / 1e6);
  json_kv_uint(w, "file_bytes", t->file_bytes);
  json_kv_uint(w, "blocks", t->block_count);
  json_end_object(w);
}

static void write_allocator(json_writer *w, alloc_probe *probe) {
  json_key(w, "allocator");
  json_begin_object(w);
  json_kv_string(w, "name", probe->name);
  json_kv_string(w, "version", probe->has_version ? probe->version : NULL);
  json_kv_string(w, "path", probe->has_path ? probe->path : NULL);
  json_key(w, "symbols");
  json_begin_array(w);
  for (int i = 0; i < probe->symbol_count; i++) json_string(w, probe->symbols[i]);
  json_end_array(w);
  json_key(w, "options");
  probe_write_options(probe, w);
  json_key(w, "loaded_not_serving");
  json_begin_array(w);
  for (int i = 0; i < probe->loaded_count; i++) json_string(w, probe->loaded_not_serving[i]);
  json_end_array(w);
  json_key(w, "warnings");
  json_begin_array(w);
  for (int i = 0; i < probe->warning_count; i++) json_string(w, probe->warnings[i]);
  json_end_array(w);
  json_end_object(w);
}

typedef struct run_record {
  const options *o;
  const trace_file *t;
  const trace_plan *p;
  replay_shared *s;
  alloc_probe *probe;
  replay_fidelity fid;
  uint64_t t_go, t_end;
  uint64_t peak_rss, baseline_rss, own_bytes;
  uint64_t baseline_own_resident, peak_rss_minus_own;
  int peak_reset;
  double timer_ns;
  snap *timeline;
  int timeline_count;
  snap after[MAX_OFFSETS];
  snap end;
  int64_t concurrent_peak_live;
  struct rusage ru0, ru1;
  cpu_times cpu0, cpu1;
} run_record;

static double tv_ms(struct timeval a, struct timeval b) { return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_usec - a.tv_usec) / 1e3; }

static int fidelity_matches(const run_record *r) {
  return r->fid.ops == r->p->op_total && r->fid.missing == 0 && r->fid.peak_live_bytes == r->p->peak_live_bytes && r->fid.failures == 0;
}

static void write_document(json_writer *w, run_record *r) {
  const options *o = r->o;
  json_begin_object(w);
  json_kv_string(w, "schema", SCHEMA);
  json_key(w, "tool");
  json_begin_object(w);
  json_kv_string(w, "name", "tracereplay");
  json_kv_string(w, "version", TRACEREPLAY_VERSION);
  json_end_object(w);
  json_key(w, "params");
  json_begin_object(w);
  json_kv_string(w, "pace", pace_name(o->pace));
  json_kv_string(w, "touch", touch_name(o->touch));
  json_kv_uint(w, "sample_every", o->sample_every);
  json_kv_uint(w, "snapshot_every_ms", o->snapshot_every_ms);
  json_key(w, "snapshot_ms");
  json_begin_array(w);
  for (int i = 0; i < o->offset_count; i++) json_uint(w, o->offsets_ms[i]);
  json_end_array(w);
  json_kv_string(w, "cpus", o->cpu_list);
  json_kv_uint(w, "seed", o->seed);
  json_end_object(w);
  write_allocator(w, r->probe);

  uint64_t cpu_ns = 0;
  histogram total[KIND_COUNT];
  for (int k = 0; k < KIND_COUNT; k++) hist_reset(&total[k]);
  for (uint32_t i = 0; i < r->p->thread_count; i++) {
    cpu_ns += r->s->threads[i].cpu_ns;
    for (int k = 0; k < KIND_COUNT; k++) hist_merge(&total[k], r->s->threads[i].hist[k]);
  }
  double duration_ms = (double)(r->t_end - r->t_go) / 1e6;
  json_key(w, "throughput");
  json_begin_object(w);
  json_kv_uint(w, "ops", r->fid.calls);
  json_kv_double(w, "ops_per_s", duration_ms > 0 ? (double)r->fid.calls / (duration_ms / 1e3) : 0.0);
  json_kv_double(w, "duration_ms", duration_ms);
  json_kv_double(w, "cpu_ms", (double)cpu_ns / 1e6);
  json_kv_double(w, "ops_per_cpu_s", cpu_ns ? (double)r->fid.calls / ((double)cpu_ns / 1e9) : 0.0);
  json_end_object(w);

  json_key(w, "latency_ns");
  json_begin_object(w);
  json_kv_uint(w, "sample_every", o->sample_every);
  json_kv_double(w, "timer_overhead_ns", r->timer_ns);
  json_kv_string(w, "timer_source", "clock_gettime(CLOCK_MONOTONIC)");
  json_key(w, "by_kind");
  json_begin_object(w);
  for (int k = 0; k < KIND_COUNT; k++) {
    json_key(w, REPLAY_KIND_NAMES[k]);
    write_latency(w, &total[k]);
  }
  json_end_object(w);
  json_end_object(w);

  json_key(w, "memory");
  json_begin_object(w);
  json_kv_uint(w, "peak_rss_bytes", r->peak_rss);
  json_kv_bool(w, "peak_rss_covers_replay_only", r->peak_reset);
  json_kv_uint(w, "baseline_rss_bytes", r->baseline_rss);
  json_kv_uint(w, "replayer_bytes", r->own_bytes);
  json_kv_uint(w, "replayer_resident_bytes_at_baseline", r->baseline_own_resident);
  json_kv_uint(w, "peak_rss_minus_replayer_bytes", r->peak_rss_minus_own);
  json_kv_uint(w, "peak_live_bytes", r->fid.peak_live_bytes);
  if (r->fid.peak_live_bytes > 0) json_kv_double(w, "peak_fragmentation_ratio", (double)r->peak_rss / (double)r->fid.peak_live_bytes);
  else json_kv_null(w, "peak_fragmentation_ratio");
  json_kv_int(w, "concurrent_peak_live_bytes", r->concurrent_peak_live);
  json_kv_int(w, "live_requested_bytes", r->end.live_bytes > 0 ? r->end.live_bytes : 0);
  if (r->end.live_bytes > 0) json_kv_double(w, "fragmentation_ratio", (double)r->end.rss_bytes / (double)r->end.live_bytes);
  else json_kv_null(w, "fragmentation_ratio");
  json_key(w, "allocator_stats");
  write_alloc_stats(w, &r->end.stats);
  json_key(w, "timeline");
  json_begin_array(w);
  for (int i = 0; i < r->timeline_count; i++) write_snap(w, &r->timeline[i]);
  json_end_array(w);
  json_key(w, "after_end");
  json_begin_array(w);
  for (int i = 0; i < o->offset_count; i++) write_snap(w, &r->after[i]);
  json_end_array(w);
  json_end_object(w);

  json_key(w, "fidelity");
  json_begin_object(w);
  write_recorded(w, r->t, r->p);
  json_key(w, "replayed");
  json_begin_object(w);
  json_kv_uint(w, "ops", r->fid.ops);
  json_kv_uint(w, "calls", r->fid.calls);
  json_kv_uint(w, "peak_live_bytes", r->fid.peak_live_bytes);
  json_kv_int(w, "end_live_bytes", r->fid.end_live_bytes);
  json_kv_uint(w, "missing_ops", r->fid.missing);
  json_kv_uint(w, "failed_calls", r->fid.failures);
  json_kv_uint(w, "cross_thread_waits", r->fid.waits);
  json_end_object(w);
  json_kv_bool(w, "match", fidelity_matches(r));
  json_end_object(w);

  json_key(w, "system");
  json_begin_object(w);
  json_kv_int(w, "cpus", online_cpus());
  json_kv_string(w, "cpu_list", o->cpu_list);
  json_kv_int(w, "minor_faults", r->ru1.ru_minflt - r->ru0.ru_minflt);
  json_kv_int(w, "major_faults", r->ru1.ru_majflt - r->ru0.ru_majflt);
  json_kv_int(w, "voluntary_ctx", r->ru1.ru_nvcsw - r->ru0.ru_nvcsw);
  json_kv_int(w, "involuntary_ctx", r->ru1.ru_nivcsw - r->ru0.ru_nivcsw);
  json_kv_double(w, "steal_pct", steal_pct_between(&r->cpu0, &r->cpu1));
  json_kv_double(w, "user_ms", tv_ms(r->ru0.ru_utime, r->ru1.ru_utime));
  json_kv_double(w, "sys_ms", tv_ms(r->ru0.ru_stime, r->ru1.ru_stime));
  json_end_object(w);
  json_end_object(w);
}

/* The document is built in memory and written at once: never a partial document on stdout. */
static int emit(run_record *r, int check_only) {
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem == NULL) return 1;
  json_writer w;
  json_init(&w, mem);
  if (check_only) {
    json_begin_object(&w);
    json_kv_string(&w, "schema", "alloctune.replay-check/1");
    write_recorded(&w, r->t, r->p);
    json_end_object(&w);
  } else {
    write_document(&w, r);
  }
  fputc('\n', mem);
  fclose(mem);
  fwrite(buf, 1, len, stdout);
  free(buf);
  /* Flush now: mimalloc's destroy_on_exit can lose buffered stdout. */
  return fflush(stdout) == 0 ? 0 : 1;
}

static void take_snap(run_record *r, snap *s, double after_end_ms) {
  s->at_ms = (double)(now_ns() - r->t_go) / 1e6;
  s->after_end_ms = after_end_ms;
  s->rss_bytes = rss_bytes();
  s->own_resident_bytes = own_resident_bytes();
  s->live_bytes = replay_live_now(r->s);
  probe_read_stats(r->probe, &s->stats);
}

/* The main thread samples RSS and live bytes while the replay runs; a full timeline keeps every
 * second entry and doubles the interval, so any length of replay fits in MAX_TIMELINE entries. */
static uint64_t minus_own(const snap *s) { return s->rss_bytes > s->own_resident_bytes ? s->rss_bytes - s->own_resident_bytes : 0; }

/* The peak of RSS minus the replayer's resident own mappings over the replay and the after-end
 * offsets, a lower bound of the true one: the largest of every reading taken (the timeline, every
 * snapshot_every_ms, thinned as it doubles; the end; the offsets after it), and VmHWM minus the own
 * resident bytes at the end. The latter holds because no own mapping is released during the replay
 * and its pages only become resident (the shared tables are written as the calls go), so at the
 * moment of VmHWM the replayer held at most what it holds at the end; it catches a peak between two
 * readings of a short replay. It is left out when VmHWM could not be reset after loading the trace
 * (the peak could then be the loader's, whose tables are gone). */
static uint64_t peak_minus_own(const run_record *r) {
  uint64_t peak = minus_own(&r->end);
  for (int i = 0; i < r->timeline_count; i++)
    if (minus_own(&r->timeline[i]) > peak) peak = minus_own(&r->timeline[i]);
  for (int i = 0; i < r->o->offset_count; i++)
    if (minus_own(&r->after[i]) > peak) peak = minus_own(&r->after[i]);
  if (r->peak_reset && r->peak_rss > r->end.own_resident_bytes && r->peak_rss - r->end.own_resident_bytes > peak) peak = r->peak_rss - r->end.own_resident_bytes;
  return peak;
}

static void sample_timeline(run_record *r) {
  uint64_t every_ns = r->o->snapshot_every_ms * 1000000ull;
  uint32_t threads = r->p->thread_count;
  while (atomic_load(&r->s->finished) < threads) {
    if (every_ns == 0) {
      sleep_ns(1000000);
      continue;
    }
    sleep_ns(every_ns);
    if (atomic_load(&r->s->finished) >= threads) break;
    if (r->timeline_count == MAX_TIMELINE) {
      for (int i = 0; i < MAX_TIMELINE / 2; i++) r->timeline[i] = r->timeline[2 * i + 1];
      r->timeline_count = MAX_TIMELINE / 2;
      every_ns *= 2;
    }
    snap *s = &r->timeline[r->timeline_count++];
    take_snap(r, s, -1);
    if (s->live_bytes > r->concurrent_peak_live) r->concurrent_peak_live = s->live_bytes;
  }
}

int main(int argc, char **argv) {
  static options o;
  static trace_file t;
  static trace_plan p;
  static replay_shared s;
  static alloc_probe probe;
  static run_record r;
  parse_args(argc, argv, &o);
  if (o.cpu_list) {
    s.cpu_count = parse_cpu_list(o.cpu_list, s.cpus, REPLAY_MAX_CPUS);
    if (s.cpu_count <= 0) usage_error("bad --cpus list '%s'", o.cpu_list);
    exec_pinned(argv, s.cpus, s.cpu_count); /* why: harness/lib/pinned-exec.c */
  }
  trace_error err = {0};
  int rc = trace_load(o.trace, &t, &err);
  if (rc == 0) rc = trace_plan_build(&t, &p, &err);
  if (rc != 0) {
    fprintf(stderr, "tracereplay: %s: %s\n", o.trace, err.message);
    return rc;
  }
  r.o = &o;
  r.t = &t;
  r.p = &p;
  r.s = &s;
  r.probe = &probe;
  if (o.check_only) return emit(&r, 1);
  /* Records are no longer needed: only the plan stays resident during the replay. */
  trace_release(&t);
  if (p.thread_count > REPLAY_MAX_THREADS) {
    fprintf(stderr, "tracereplay: %s: %u recorded threads, more than this replayer's %d\n", o.trace, p.thread_count, REPLAY_MAX_THREADS);
    return REPLAY_EXIT_FAILED;
  }
  /* Writing every page of more than the machine has would not measure anything: it would swap or be
   * OOM-killed (an allocator that overcommits hands out a 32 TiB block happily). */
  uint64_t available = mem_available_bytes();
  if (o.touch == TOUCH_PAGES && available > 0 && p.peak_live_bytes > available) {
    fprintf(stderr, "tracereplay: %s: the trace's peak of %llu live bytes exceeds this machine's %llu available bytes; a replay writing them cannot run (--touch first or none would not make them resident)\n", o.trace,
            (unsigned long long)p.peak_live_bytes, (unsigned long long)available);
    return REPLAY_EXIT_FAILED;
  }
  probe_allocator(&probe, &o.probe);
  r.timer_ns = timer_overhead_ns();
  r.timeline = own_alloc(sizeof(snap) * MAX_TIMELINE);
  if (r.timeline == NULL || replay_prepare(&s, &p, o.seed) != 0) {
    fprintf(stderr, "tracereplay: %s: out of memory for the replay tables\n", o.trace);
    return 1;
  }
  s.pace = o.pace;
  s.touch = o.touch;
  s.sample_every = o.sample_every;
  int start_rc = replay_start(&s);
  if (start_rc != 0) {
    fprintf(stderr, "tracereplay: %s: cannot start replay thread: %s\n", o.trace, strerror(start_rc));
    _exit(REPLAY_EXIT_FAILED);
  }
  if (s.cpu_count > 0) pin_self_to_cpus(s.cpus, s.cpu_count);
  r.own_bytes = own_bytes();
  getrusage(RUSAGE_SELF, &r.ru0);
  read_cpu_times(&r.cpu0);
  r.baseline_rss = rss_bytes();
  r.baseline_own_resident = own_resident_bytes();
  r.peak_reset = reset_peak_rss() == 0;
  r.t_go = replay_go(&s);
  if (o.pace == PACE_ASAP) r.t_go -= 1000000; /* replay_go leaves a 1 ms margin for pacing only */
  sample_timeline(&r);
  replay_join(&s);
  r.t_end = r.t_go;
  for (uint32_t i = 0; i < p.thread_count; i++)
    if (s.threads[i].end_ns > r.t_end) r.t_end = s.threads[i].end_ns;
  r.peak_rss = peak_rss_bytes();
  getrusage(RUSAGE_SELF, &r.ru1);
  read_cpu_times(&r.cpu1);
  take_snap(&r, &r.end, 0);
  /* Memory still held N ms after the last call, the live objects kept (the program's leftovers). */
  for (int i = 0; i < o.offset_count; i++) {
    uint64_t at = r.t_end + o.offsets_ms[i] * 1000000ull, now = now_ns();
    if (at > now) sleep_ns(at - now);
    take_snap(&r, &r.after[i], (double)(now_ns() - r.t_end) / 1e6);
  }
  r.peak_rss_minus_own = peak_minus_own(&r);
  replay_fidelity_of(&s, &r.fid);
  if (emit(&r, 0) != 0) return 1;
  if (!fidelity_matches(&r)) {
    fprintf(stderr, "tracereplay: %s: fidelity lost: replayed %llu of %llu ops (%llu calls failed), peak live %llu bytes vs %llu recorded\n", o.trace, (unsigned long long)r.fid.ops,
            (unsigned long long)p.op_total, (unsigned long long)r.fid.failures, (unsigned long long)r.fid.peak_live_bytes, (unsigned long long)p.peak_live_bytes);
    return REPLAY_EXIT_FAILED;
  }
  return 0;
}
