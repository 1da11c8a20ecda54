/* allocbench: allocation workloads with sampled latency histograms, memory snapshots and a
 * read-back of the allocator that really serves malloc(). One JSON document on stdout
 * (schema alloctune.harness/1), diagnostics on stderr, exit 2 on bad arguments.
 * See native/README.md for the workloads, their parameters and measured numbers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/pinned-exec.h"
#include "workloads.h"

#define ALLOCBENCH_VERSION "1.0.0"
#define SCHEMA "alloctune.harness/1"

/* Run-control flags every workload accepts. */
static const param_def GENERIC[] = {
    {"threads", NULL, 1, BENCH_MAX_THREADS, 0, "worker threads (default: per workload)"},
    {"duration-ms", "1000", 0, 3600000, 0, "length of the measured phase; 0 = until --ops is reached"},
    {"ops", "0", 0, INT64_MAX, 0, "stop each thread after this many malloc+free calls; 0 = no limit"},
    {"seed", "42", 0, INT64_MAX, 0, "PRNG seed; thread i uses stream i+1"},
    {"sample-every", NULL, 0, 1000000000, 0, "time 1 in N malloc/free calls (randomised stride); 0 = off; default 128, fragmentation 4"},
    {"snapshot-every-ms", "0", 0, 3600000, 0, "extra periodic memory snapshots during the run; 0 = none"},
};
#define GENERIC_COUNT ((int)(sizeof GENERIC / sizeof GENERIC[0]))

static void usage(FILE *out) {
  fprintf(out,
          "usage: allocbench --workload NAME [--threads N] [--duration-ms MS] [--ops N] [--seed S]\n"
          "                  [--sample-every N] [--snapshot-every-ms MS] [--cpus LIST] [--PARAM VALUE ...]\n"
          "       allocbench --list    print the workloads and their parameters (JSON)\n"
          "       allocbench --probe   print the allocator identity and options only (JSON)\n"
          "Identity (with --workload or --probe, from the allocator's definition file):\n"
          "  --identity-symbols A,B  report which of these symbols the object serving malloc() defines\n"
          "  --options-symbol F      read options from its `const char *F(void)` (KEY=VALUE lines)\n"
          "  --version-symbol F      read its version from `const char *F(void)`\n"
          "Workloads:");
  for (int i = 0; i < WORKLOAD_COUNT; i++) fprintf(out, " %s", ALL_WORKLOADS[i]->name);
  fprintf(out, "\n");
}

static _Noreturn void usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "allocbench: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  usage(stderr);
  exit(2);
}

static void snake_key(char *out, size_t size, const char *kebab) {
  snprintf(out, size, "%s", kebab);
  for (char *c = out; *c; c++)
    if (*c == '-') *c = '_';
}

/* Parse "12" or "1,2,3" within [min,max]; returns the count or -1. */
static int parse_values(const char *text, const param_def *def, int64_t *out) {
  int count = 0;
  const char *p = text;
  for (;;) {
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno || v < def->min || v > def->max) return -1;
    if (count >= BENCH_MAX_LIST) return -1;
    out[count++] = v;
    if (*end == '\0') break;
    if (*end != ',' || !def->is_list) return -1;
    p = end + 1;
  }
  return count;
}

static void write_param_defs(json_writer *w, const param_def *defs, int count) {
  json_begin_array(w);
  for (int i = 0; i < count; i++) {
    json_begin_object(w);
    json_kv_string(w, "name", defs[i].name);
    json_kv_string(w, "default", defs[i].default_value);
    json_kv_int(w, "min", defs[i].min);
    json_kv_int(w, "max", defs[i].max);
    json_kv_bool(w, "list", defs[i].is_list);
    json_kv_string(w, "help", defs[i].help);
    json_end_object(w);
  }
  json_end_array(w);
}

static void write_list(json_writer *w) {
  json_begin_object(w);
  json_kv_string(w, "schema", "alloctune.harness-list/1");
  json_key(w, "generic_params");
  write_param_defs(w, GENERIC, GENERIC_COUNT);
  json_key(w, "workloads");
  json_begin_array(w);
  for (int i = 0; i < WORKLOAD_COUNT; i++) {
    const workload_def *wl = ALL_WORKLOADS[i];
    json_begin_object(w);
    json_kv_string(w, "name", wl->name);
    json_kv_string(w, "summary", wl->summary);
    json_kv_int(w, "default_threads", wl->default_threads);
    json_kv_uint(w, "default_sample_every", wl->default_sample_every ? wl->default_sample_every : 128);
    json_kv_int(w, "max_threads", wl->max_threads);
    json_key(w, "params");
    write_param_defs(w, wl->params, wl->param_count);
    json_end_object(w);
  }
  json_end_array(w);
  json_end_object(w);
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

static void write_snapshot(json_writer *w, const snapshot *s) {
  json_begin_object(w);
  json_kv_string(w, "phase", s->phase);
  json_kv_double(w, "at_ms", s->at_ms);
  if (s->after_free_ms < 0) json_kv_null(w, "after_free_ms");
  else json_kv_double(w, "after_free_ms", s->after_free_ms);
  json_kv_uint(w, "rss_bytes", s->rss_bytes);
  json_kv_int(w, "live_requested_bytes", s->live_requested_bytes > 0 ? s->live_requested_bytes : 0);
  if (s->live_requested_bytes > 0) json_kv_double(w, "fragmentation_ratio", (double)s->rss_bytes / (double)s->live_requested_bytes);
  else json_kv_null(w, "fragmentation_ratio");
  json_key(w, "allocator_stats");
  write_alloc_stats(w, &s->stats);
  json_end_object(w);
}

typedef struct run_system {
  struct rusage before, after;
  cpu_times cpu_before, cpu_after;
} run_system;

static double tv_ms(struct timeval a, struct timeval b) {
  return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_usec - a.tv_usec) / 1e3;
}

static void write_document(json_writer *w, alloc_probe *probe, bench_run *run, const run_system *sys, double timer_ns) {
  json_begin_object(w);
  json_kv_string(w, "schema", SCHEMA);
  json_key(w, "tool");
  json_begin_object(w);
  json_kv_string(w, "name", "allocbench");
  json_kv_string(w, "version", ALLOCBENCH_VERSION);
  json_end_object(w);

  json_key(w, "workload");
  if (run == NULL) {
    json_null(w);
  } else {
    char key[64];
    json_begin_object(w);
    json_kv_string(w, "name", run->wl->name);
    json_key(w, "params");
    json_begin_object(w);
    json_kv_int(w, "threads", run->threads);
    json_kv_uint(w, "duration_ms", run->duration_ms);
    json_kv_uint(w, "ops", run->ops_limit);
    json_kv_uint(w, "seed", run->seed);
    json_kv_uint(w, "sample_every", run->sample_every);
    json_kv_uint(w, "snapshot_every_ms", run->snapshot_every_ms);
    if (run->cpu_list) json_kv_string(w, "cpus", run->cpu_list);
    for (int i = 0; i < run->wl->param_count; i++) {
      snake_key(key, sizeof key, run->wl->params[i].name);
      json_key(w, key);
      if (run->wl->params[i].is_list) {
        json_begin_array(w);
        for (int j = 0; j < run->param_lengths[i]; j++) json_int(w, run->param_values[i][j]);
        json_end_array(w);
      } else {
        json_int(w, run->param_values[i][0]);
      }
    }
    json_end_object(w);
    json_key(w, "results");
    json_begin_object(w);
    if (run->wl->write_results) run->wl->write_results(run, w);
    json_end_object(w);
    json_end_object(w);
  }

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
  probe_write_options(probe, w); /* may add warnings, so it precedes them */
  json_key(w, "loaded_not_serving");
  json_begin_array(w);
  for (int i = 0; i < probe->loaded_count; i++) json_string(w, probe->loaded_not_serving[i]);
  json_end_array(w);
  json_key(w, "warnings");
  json_begin_array(w);
  for (int i = 0; i < probe->warning_count; i++) json_string(w, probe->warnings[i]);
  json_end_array(w);
  json_end_object(w);

  if (run == NULL) {
    json_kv_null(w, "throughput");
    json_kv_null(w, "latency_ns");
  } else {
    uint64_t ops = 0, cpu_ns = 0;
    int n = run->wl->run_custom ? 1 : run->threads;
    for (int i = 0; i < n; i++) {
      ops += run->t[i].ops;
      cpu_ns += run->t[i].cpu_ns;
    }
    double duration_ms = (double)(run->t_end - run->t_start - run->excluded_ns) / 1e6;
    json_key(w, "throughput");
    json_begin_object(w);
    json_kv_uint(w, "ops", ops);
    json_kv_double(w, "ops_per_s", duration_ms > 0 ? (double)ops / (duration_ms / 1e3) : 0.0);
    json_kv_double(w, "duration_ms", duration_ms);
    json_kv_double(w, "cpu_ms", (double)cpu_ns / 1e6);
    json_kv_double(w, "ops_per_cpu_s", cpu_ns ? (double)ops / ((double)cpu_ns / 1e9) : 0.0);
    json_end_object(w);
    json_key(w, "latency_ns");
    json_begin_object(w);
    json_key(w, "malloc");
    write_latency(w, &run->malloc_total);
    json_key(w, "free");
    write_latency(w, &run->free_total);
    json_kv_uint(w, "sample_every", run->sample_every);
    json_kv_double(w, "timer_overhead_ns", timer_ns);
    json_kv_string(w, "timer_source", "clock_gettime(CLOCK_MONOTONIC)");
    json_end_object(w);
  }

  json_key(w, "memory");
  json_begin_object(w);
  json_kv_uint(w, "peak_rss_bytes", peak_rss_bytes());
  snapshot now;
  const snapshot *final = run ? &run->final : &now;
  if (run == NULL) {
    memset(&now, 0, sizeof now);
    now.rss_bytes = rss_bytes();
    probe_read_stats(probe, &now.stats);
  }
  json_kv_int(w, "live_requested_bytes", final->live_requested_bytes > 0 ? final->live_requested_bytes : 0);
  if (final->live_requested_bytes > 0)
    json_kv_double(w, "fragmentation_ratio", (double)final->rss_bytes / (double)final->live_requested_bytes);
  else
    json_kv_null(w, "fragmentation_ratio");
  json_key(w, "allocator_stats");
  write_alloc_stats(w, &final->stats);
  json_key(w, "snapshots");
  json_begin_array(w);
  for (int i = 0; run && i < run->snapshot_count; i++) write_snapshot(w, &run->snapshots[i]);
  json_end_array(w);
  json_end_object(w);

  json_key(w, "system");
  json_begin_object(w);
  json_kv_int(w, "cpus", online_cpus());
  json_kv_string(w, "cpu_list", run ? run->cpu_list : NULL);
  json_kv_int(w, "minor_faults", sys->after.ru_minflt - sys->before.ru_minflt);
  json_kv_int(w, "major_faults", sys->after.ru_majflt - sys->before.ru_majflt);
  json_kv_int(w, "voluntary_ctx", sys->after.ru_nvcsw - sys->before.ru_nvcsw);
  json_kv_int(w, "involuntary_ctx", sys->after.ru_nivcsw - sys->before.ru_nivcsw);
  json_kv_double(w, "steal_pct", steal_pct_between(&sys->cpu_before, &sys->cpu_after));
  json_kv_double(w, "user_ms", tv_ms(sys->before.ru_utime, sys->after.ru_utime));
  json_kv_double(w, "sys_ms", tv_ms(sys->before.ru_stime, sys->after.ru_stime));
  json_end_object(w);
  json_end_object(w);
}

static const workload_def *find_workload(const char *name) {
  for (int i = 0; i < WORKLOAD_COUNT; i++)
    if (strcmp(ALL_WORKLOADS[i]->name, name) == 0) return ALL_WORKLOADS[i];
  return NULL;
}

static int emit(void (*fill)(json_writer *, void *), void *arg) {
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem == NULL) return 1;
  json_writer w;
  json_init(&w, mem);
  fill(&w, arg);
  fputc('\n', mem);
  fclose(mem);
  fwrite(buf, 1, len, stdout);
  free(buf);
  /* Flush now: mimalloc's destroy_on_exit can lose buffered stdout (reference 3.2). */
  return fflush(stdout) == 0 ? 0 : 1;
}

typedef struct doc_args {
  alloc_probe *probe;
  bench_run *run;
  run_system *sys;
  double timer_ns;
} doc_args;

static void fill_document(json_writer *w, void *arg) {
  doc_args *a = arg;
  write_document(w, a->probe, a->run, a->sys, a->timer_ns);
}

static void fill_list(json_writer *w, void *arg) {
  (void)arg;
  write_list(w);
}

int main(int argc, char **argv) {
  static bench_run run;
  static alloc_probe probe;
  const char *workload_name = NULL;
  const char *generic_text[GENERIC_COUNT] = {0};
  const char *extra_names[BENCH_MAX_PARAMS * 2];
  const char *extra_values[BENCH_MAX_PARAMS * 2];
  int extra_count = 0;
  int probe_only = 0;
  probe_request request = {0};

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(arg, "--list") == 0) return emit(fill_list, NULL);
    if (strcmp(arg, "--probe") == 0) {
      probe_only = 1;
      continue;
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') usage_error("unexpected argument '%s'", arg);
    const char *name = arg + 2;
    const char *value;
    char name_buf[64];
    const char *eq = strchr(name, '=');
    if (eq) {
      snprintf(name_buf, sizeof name_buf, "%.*s", (int)(eq - name), name);
      name = name_buf;
      value = eq + 1;
    } else {
      if (i + 1 >= argc) usage_error("missing value for '%s'", arg);
      value = argv[++i];
    }
    if (strcmp(name, "workload") == 0) {
      workload_name = value;
      continue;
    }
    if (strcmp(name, "cpus") == 0) {
      run.cpu_list = value;
      continue;
    }
    if (strcmp(name, "identity-symbols") == 0) {
      request.identity_symbols = value;
      continue;
    }
    if (strcmp(name, "options-symbol") == 0) {
      request.options_symbol = value;
      continue;
    }
    if (strcmp(name, "version-symbol") == 0) {
      request.version_symbol = value;
      continue;
    }
    int generic = -1;
    for (int g = 0; g < GENERIC_COUNT; g++)
      if (strcmp(GENERIC[g].name, name) == 0) generic = g;
    if (generic >= 0) {
      generic_text[generic] = value;
      continue;
    }
    if (extra_count >= BENCH_MAX_PARAMS * 2) usage_error("too many parameters at '%s'", arg);
    extra_names[extra_count] = eq ? strdup(name) : name; /* name_buf is reused */
    extra_values[extra_count++] = value;
  }

  if (run.cpu_list) {
    run.cpu_count = parse_cpu_list(run.cpu_list, run.cpus, BENCH_MAX_THREADS);
    if (run.cpu_count <= 0) usage_error("bad --cpus list '%s'", run.cpu_list);
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    sched_getaffinity(0, sizeof allowed, &allowed);
    for (int c = 0; c < run.cpu_count; c++)
      if (!CPU_ISSET(run.cpus[c], &allowed)) usage_error("--cpus %s names a CPU this process may not use", run.cpu_list);
    /* Before the probe reads the allocator's options: they must be the ones it chose on these CPUs
     * (harness/lib/pinned-exec.c says why this runs the harness again). */
    exec_pinned(argv, run.cpus, run.cpu_count);
  }

  if (probe_only) {
    if (workload_name) usage_error("%s", "--probe takes no workload");
    probe_allocator(&probe, &request);
    run_system sys;
    memset(&sys, 0, sizeof sys);
    doc_args a = {&probe, NULL, &sys, timer_overhead_ns()};
    return emit(fill_document, &a);
  }
  if (workload_name == NULL) usage_error("%s", "--workload, --list or --probe is required");
  const workload_def *wl = find_workload(workload_name);
  if (wl == NULL) usage_error("unknown workload '%s'", workload_name);
  run.wl = wl;

  int64_t values[BENCH_MAX_LIST];
  int64_t generic_values[GENERIC_COUNT];
  for (int g = 0; g < GENERIC_COUNT; g++) {
    const char *text = generic_text[g] ? generic_text[g] : GENERIC[g].default_value;
    if (text == NULL) { /* per-workload defaults */
      generic_values[g] = g == 0 ? wl->default_threads : (wl->default_sample_every ? (int64_t)wl->default_sample_every : 128);
      continue;
    }
    if (parse_values(text, &GENERIC[g], values) != 1) usage_error("bad value for --%s", GENERIC[g].name);
    generic_values[g] = values[0];
  }
  run.threads = (int)generic_values[0];
  run.duration_ms = (uint64_t)generic_values[1];
  run.ops_limit = (uint64_t)generic_values[2];
  run.seed = (uint64_t)generic_values[3];
  run.sample_every = (uint64_t)generic_values[4];
  run.snapshot_every_ms = (uint64_t)generic_values[5];
  if (run.threads > wl->max_threads) usage_error("--threads is limited to the workload's max_threads (%s)", wl->name);
  if (run.duration_ms == 0 && run.ops_limit == 0 && wl->run_custom == NULL)
    usage_error("%s", "--duration-ms 0 needs --ops");

  for (int p = 0; p < wl->param_count; p++) {
    run.param_text[p] = wl->params[p].default_value;
    for (int e = 0; e < extra_count; e++)
      if (strcmp(extra_names[e], wl->params[p].name) == 0) run.param_text[p] = extra_values[e];
    int n = parse_values(run.param_text[p], &wl->params[p], run.param_values[p]);
    if (n < 0) usage_error("bad value for --%s", wl->params[p].name);
    run.param_lengths[p] = n;
  }
  for (int e = 0; e < extra_count; e++) {
    int known = 0;
    for (int p = 0; p < wl->param_count; p++) known |= strcmp(extra_names[e], wl->params[p].name) == 0;
    if (!known) usage_error("unknown option '--%s' for this workload", extra_names[e]);
  }

  probe_allocator(&probe, &request);
  run.probe = &probe;
  double timer_ns = timer_overhead_ns();
  run_system sys;
  getrusage(RUSAGE_SELF, &sys.before);
  read_cpu_times(&sys.cpu_before);
  int setup_rc = bench_execute(&run);
  if (setup_rc == -2) usage_error("inconsistent parameters for workload %s", wl->name);
  if (setup_rc != 0) {
    fprintf(stderr, "allocbench: workload %s could not be set up\n", wl->name);
    return 1;
  }
  getrusage(RUSAGE_SELF, &sys.after);
  read_cpu_times(&sys.cpu_after);
  doc_args a = {&probe, &run, &sys, timer_ns};
  int rc = emit(fill_document, &a);
  if (wl->cleanup) wl->cleanup(&run);
  return rc;
}
