#include "alloc-probe.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <malloc.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void probe_warn(alloc_probe *p, const char *fmt, ...) {
  if (p->warning_count >= PROBE_MAX_WARNINGS) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->warnings[p->warning_count++], PROBE_TEXT, fmt, ap);
  va_end(ap);
}

/* Symbol looked up in `handle` only, and only if it is defined by the object at `path` itself
 * (dlsym on a handle also searches that object's dependencies). */
static void *own_symbol(void *handle, const char *path, const char *symbol) {
  void *sym = dlsym(handle, symbol);
  if (sym == NULL || path == NULL) return sym;
  Dl_info info;
  if (dladdr(sym, &info) == 0 || info.dli_fname == NULL) return NULL;
  return strcmp(info.dli_fname, path) == 0 ? sym : NULL;
}

/* ---- the allocators with a statistics API: one entry each in ALLOCATOR_APIS below ----
 * An allocator without one (a user's own, hakmem) needs no entry: its definition file names the
 * symbols or library that identify it and, optionally, an exported read-back function. */

static int jemalloc_detect(void *handle, const char *path) {
  return own_symbol(handle, path, "mallctl") != NULL || own_symbol(handle, path, "je_mallctl") != NULL;
}

static void jemalloc_init(alloc_probe *p, const char *serving_path) {
  p->mallctl = (mallctl_fn)own_symbol(p->handle, serving_path, "mallctl");
  if (p->mallctl == NULL) p->mallctl = (mallctl_fn)own_symbol(p->handle, serving_path, "je_mallctl");
  const char *v = NULL;
  size_t sz = sizeof v;
  if (p->mallctl && p->mallctl("version", &v, &sz, NULL, 0) == 0 && v) {
    snprintf(p->version, sizeof p->version, "%s", v);
    p->has_version = 1;
  }
}

static int mimalloc_detect(void *handle, const char *path) { return own_symbol(handle, path, "mi_version") != NULL; }

static void mimalloc_init(alloc_probe *p, const char *serving_path) {
  int (*mi_version)(void) = (int (*)(void))own_symbol(p->handle, serving_path, "mi_version");
  int v = mi_version();
  snprintf(p->version, sizeof p->version, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
  p->has_version = 1;
}

static int tcmalloc_detect(void *handle, const char *path) { return own_symbol(handle, path, "tc_version") != NULL; }

static void tcmalloc_init(alloc_probe *p, const char *serving_path) {
  const char *(*tc_version)(int *, int *, const char **) =
      (const char *(*)(int *, int *, const char **))own_symbol(p->handle, serving_path, "tc_version");
  int major = 0, minor = 0;
  const char *patch = NULL;
  const char *v = tc_version(&major, &minor, &patch);
  snprintf(p->version, sizeof p->version, "%s", v ? v : "");
  p->has_version = v != NULL;
}

static int glibc_detect(void *handle, const char *path) {
  (void)handle;
  return path != NULL && strstr(path, "/libc.so") != NULL;
}

static void glibc_init(alloc_probe *p, const char *serving_path) {
  (void)serving_path;
  snprintf(p->version, sizeof p->version, "%s", gnu_get_libc_version());
  p->has_version = 1;
}

/* ---- jemalloc: every opt.* of 5.3.0 with its C type ---- */

enum je_type { JE_BOOL, JE_UNSIGNED, JE_SIZE, JE_SSIZE, JE_INT64, JE_UINT64, JE_STRING, JE_FXP };

static const struct {
  const char *name;
  enum je_type type;
} JE_OPTS[] = {
    {"abort", JE_BOOL}, {"abort_conf", JE_BOOL}, {"cache_oblivious", JE_BOOL}, {"trust_madvise", JE_BOOL},
    {"confirm_conf", JE_BOOL}, {"hpa", JE_BOOL}, {"hpa_slab_max_alloc", JE_SIZE},
    {"hpa_hugification_threshold", JE_SIZE}, {"hpa_hugify_delay_ms", JE_UINT64},
    {"hpa_min_purge_interval_ms", JE_UINT64}, {"hpa_dirty_mult", JE_FXP}, {"hpa_sec_nshards", JE_SIZE},
    {"hpa_sec_max_alloc", JE_SIZE}, {"hpa_sec_max_bytes", JE_SIZE}, {"hpa_sec_bytes_after_flush", JE_SIZE},
    {"hpa_sec_batch_fill_extra", JE_SIZE}, {"metadata_thp", JE_STRING}, {"retain", JE_BOOL},
    {"dss", JE_STRING}, {"narenas", JE_UNSIGNED}, {"percpu_arena", JE_STRING},
    {"oversize_threshold", JE_SIZE}, {"mutex_max_spin", JE_INT64}, {"background_thread", JE_BOOL},
    {"max_background_threads", JE_SIZE}, {"dirty_decay_ms", JE_SSIZE}, {"muzzy_decay_ms", JE_SSIZE},
    {"stats_print", JE_BOOL}, {"stats_print_opts", JE_STRING}, {"stats_interval", JE_INT64},
    {"stats_interval_opts", JE_STRING}, {"junk", JE_STRING}, {"zero", JE_BOOL}, {"utrace", JE_BOOL},
    {"xmalloc", JE_BOOL}, {"experimental_infallible_new", JE_BOOL}, {"tcache", JE_BOOL},
    {"tcache_max", JE_SIZE}, {"tcache_nslots_small_min", JE_UNSIGNED}, {"tcache_nslots_small_max", JE_UNSIGNED},
    {"tcache_nslots_large", JE_UNSIGNED}, {"lg_tcache_nslots_mul", JE_SSIZE}, {"tcache_gc_incr_bytes", JE_SIZE},
    {"tcache_gc_delay_bytes", JE_SIZE}, {"lg_tcache_flush_small_div", JE_UNSIGNED},
    {"lg_tcache_flush_large_div", JE_UNSIGNED}, {"thp", JE_STRING}, {"lg_extent_max_active_fit", JE_SIZE},
    {"prof", JE_BOOL}, {"prof_prefix", JE_STRING}, {"prof_active", JE_BOOL},
    {"prof_thread_active_init", JE_BOOL}, {"lg_prof_sample", JE_SIZE}, {"lg_prof_interval", JE_SSIZE},
    {"prof_gdump", JE_BOOL}, {"prof_final", JE_BOOL}, {"prof_leak", JE_BOOL}, {"prof_leak_error", JE_BOOL},
    {"prof_accum", JE_BOOL}, {"prof_recent_alloc_max", JE_SSIZE}, {"prof_stats", JE_BOOL},
    {"prof_sys_thread_name", JE_BOOL}, {"prof_time_resolution", JE_STRING}, {"lg_san_uaf_align", JE_SSIZE},
    {"zero_realloc", JE_STRING},
};

static void write_jemalloc_options(alloc_probe *p, json_writer *w) {
  if (p->mallctl == NULL) return;
  char node[96];
  for (size_t i = 0; i < sizeof JE_OPTS / sizeof JE_OPTS[0]; i++) {
    snprintf(node, sizeof node, "opt.%s", JE_OPTS[i].name);
    union {
      uint8_t b;
      uint32_t u32;
      uint64_t u64;
      int64_t i64;
      const char *s;
    } v;
    memset(&v, 0, sizeof v);
    size_t want;
    switch (JE_OPTS[i].type) {
      case JE_BOOL: want = 1; break;
      case JE_UNSIGNED: case JE_FXP: want = 4; break;
      case JE_STRING: want = sizeof(const char *); break;
      default: want = 8;
    }
    size_t sz = want;
    int rc = p->mallctl(node, &v, &sz, NULL, 0);
    if (rc == ENOENT) continue; /* compiled out of this build (utrace, xmalloc, ...) */
    if (rc != 0) {
      probe_warn(p, "mallctl(\"%s\") failed: %s", node, strerror(rc));
      continue;
    }
    json_key(w, JE_OPTS[i].name);
    switch (JE_OPTS[i].type) {
      case JE_BOOL: json_bool(w, v.b); break;
      case JE_UNSIGNED: json_uint(w, v.u32); break;
      case JE_SIZE: case JE_UINT64: json_uint(w, v.u64); break;
      case JE_SSIZE: case JE_INT64: json_int(w, v.i64); break;
      case JE_STRING: json_string(w, v.s); break;
      /* fxp_t is 16.16 fixed point; -1 ("off") is stored as all ones. */
      case JE_FXP: json_double(w, v.u32 == UINT32_MAX ? -1.0 : (double)v.u32 / 65536.0); break;
    }
  }
}

/* ---- mimalloc 2.0.9: mi_option_e order (indexes are version specific) ---- */

static const char *const MI_209_OPTIONS[] = {
    "show_errors", "show_stats", "verbose", "eager_commit", "deprecated_eager_region_commit",
    "deprecated_reset_decommits", "large_os_pages", "reserve_huge_os_pages", "reserve_huge_os_pages_at",
    "reserve_os_memory", "deprecated_segment_cache", "page_reset", "abandoned_page_decommit",
    "deprecated_segment_reset", "eager_commit_delay", "decommit_delay", "use_numa_nodes", "limit_os_alloc",
    "os_tag", "max_errors", "max_warnings", "max_segment_reclaim", "allow_decommit", "segment_decommit_delay",
    "decommit_extend_delay", "destroy_on_exit",
};

static void write_mimalloc_options(alloc_probe *p, json_writer *w) {
  if (strcmp(p->version, "2.0.9") != 0) {
    probe_warn(p, "mimalloc %s: option indexes are only known for 2.0.9; options not read", p->version);
    return;
  }
  long (*get)(int) = (long (*)(int))dlsym(p->handle, "mi_option_get");
  if (get == NULL) return;
  for (int i = 0; i < (int)(sizeof MI_209_OPTIONS / sizeof MI_209_OPTIONS[0]); i++) json_kv_int(w, MI_209_OPTIONS[i], get(i));
}

/* ---- tcmalloc (gperftools): numeric properties and exported flag globals ---- */

static const char *const TC_PROPERTIES[] = {
    "tcmalloc.max_total_thread_cache_bytes", "tcmalloc.aggressive_memory_decommit", "tcmalloc.heap_limit_mb",
};

static const struct {
  const char *key;
  const char *symbol;
  char type; /* d double, b bool, l int64 */
} TC_FLAGS[] = {
    {"tcmalloc_release_rate", "_ZN62FLAG__namespace_do_not_use_directly_use_DECLARE_double_instead27FLAGS_tcmalloc_release_rateE", 'd'},
    {"tcmalloc_heap_limit_mb", "_ZN61FLAG__namespace_do_not_use_directly_use_DECLARE_int64_instead28FLAGS_tcmalloc_heap_limit_mbE", 'l'},
    {"tcmalloc_sample_parameter", "_ZN61FLAG__namespace_do_not_use_directly_use_DECLARE_int64_instead31FLAGS_tcmalloc_sample_parameterE", 'l'},
    {"tcmalloc_large_alloc_report_threshold", "_ZN61FLAG__namespace_do_not_use_directly_use_DECLARE_int64_instead43FLAGS_tcmalloc_large_alloc_report_thresholdE", 'l'},
    {"malloc_disable_memory_release", "_ZN60FLAG__namespace_do_not_use_directly_use_DECLARE_bool_instead35FLAGS_malloc_disable_memory_releaseE", 'b'},
    {"malloc_skip_sbrk", "_ZN60FLAG__namespace_do_not_use_directly_use_DECLARE_bool_instead22FLAGS_malloc_skip_sbrkE", 'b'},
    {"malloc_skip_mmap", "_ZN60FLAG__namespace_do_not_use_directly_use_DECLARE_bool_instead22FLAGS_malloc_skip_mmapE", 'b'},
};

typedef int (*tc_property_fn)(const char *, size_t *);

static void write_tcmalloc_options(alloc_probe *p, json_writer *w) {
  tc_property_fn get = (tc_property_fn)dlsym(p->handle, "MallocExtension_GetNumericProperty");
  for (size_t i = 0; get && i < sizeof TC_PROPERTIES / sizeof TC_PROPERTIES[0]; i++) {
    size_t v = 0;
    if (get(TC_PROPERTIES[i], &v)) json_kv_uint(w, TC_PROPERTIES[i], v);
  }
  for (size_t i = 0; i < sizeof TC_FLAGS / sizeof TC_FLAGS[0]; i++) {
    void *sym = dlsym(p->handle, TC_FLAGS[i].symbol);
    if (sym == NULL) continue;
    switch (TC_FLAGS[i].type) {
      case 'd': json_kv_double(w, TC_FLAGS[i].key, *(const double *)sym); break;
      case 'l': json_kv_int(w, TC_FLAGS[i].key, *(const int64_t *)sym); break;
      default: json_kv_bool(w, TC_FLAGS[i].key, *(const uint8_t *)sym != 0); break;
    }
  }
}

/* ---- glibc: malloc tunables as accepted by ld.so (GLIBC_PRIVATE __tunable_get_val) ----
 * A tunable's id is its line index in `ld.so --list-tunables`, which is build specific, so the list
 * is read at run time. Hex values there mark size_t tunables, decimal ones int32. The values are
 * the accepted tunables (0 = not set), not malloc's effective parameters. */

static int find_ldso(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  if (info->dlpi_name && strstr(info->dlpi_name, "/ld-linux") != NULL) {
    snprintf((char *)data, PROBE_TEXT, "%s", info->dlpi_name);
    return 1;
  }
  return 0;
}

extern char **environ;

static void write_glibc_options(alloc_probe *p, json_writer *w) {
  void (*get)(unsigned, void *, void *) = (void (*)(unsigned, void *, void *))dlsym(RTLD_DEFAULT, "__tunable_get_val");
  char ldso[PROBE_TEXT] = "";
  dl_iterate_phdr(find_ldso, ldso);
  if (get == NULL || ldso[0] == '\0') return;
  int fds[2];
  if (pipe(fds) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", 1 /* O_WRONLY */, 0);
  char *argv[] = {ldso, (char *)"--list-tunables", NULL};
  char *envp[] = {NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, ldso, &actions, NULL, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    probe_warn(p, "could not run %s --list-tunables: %s", ldso, strerror(rc));
    return;
  }
  FILE *f = fdopen(fds[0], "r");
  char line[512];
  unsigned id = 0;
  while (f && fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (colon && strncmp(line, "glibc.malloc.", 13) == 0) {
      *colon = '\0';
      const char *value = colon + 1;
      while (*value == ' ') value++;
      if (strncmp(value, "0x", 2) == 0) {
        uint64_t v = 0;
        get(id, &v, NULL);
        json_kv_uint(w, line, v);
      } else {
        int32_t v = 0;
        get(id, &v, NULL);
        json_kv_int(w, line, v);
      }
    }
    id++;
  }
  if (f) fclose(f);
  int status;
  waitpid(pid, &status, 0);
}

/* ---- usage statistics ---- */

static void add_raw(alloc_stats *s, const char *name, double value) {
  if (s->raw_count < STATS_MAX_RAW) {
    s->raw_names[s->raw_count] = name;
    s->raw_values[s->raw_count++] = value;
  }
}

static int64_t je_size(const alloc_probe *p, const char *node, alloc_stats *s) {
  size_t v = 0, sz = sizeof v;
  if (p->mallctl(node, &v, &sz, NULL, 0) != 0) return -1;
  add_raw(s, node, (double)v);
  return (int64_t)v;
}

static int64_t tc_prop(tc_property_fn get, const char *name, alloc_stats *s) {
  size_t v = 0;
  if (get == NULL || !get(name, &v)) return -1;
  add_raw(s, name, (double)v);
  return (int64_t)v;
}

static void jemalloc_stats(const alloc_probe *p, alloc_stats *s) {
  if (p->mallctl == NULL) return;
  /* stats.* are stale until the epoch is advanced (reference 1.6). */
  uint64_t epoch = 1;
  size_t esz = sizeof epoch;
  p->mallctl("epoch", &epoch, &esz, &epoch, esz);
  s->valid = 1;
  s->source = "jemalloc.stats";
  s->allocated_bytes = je_size(p, "stats.allocated", s);
  s->active_bytes = je_size(p, "stats.active", s);
  s->resident_bytes = je_size(p, "stats.resident", s);
  s->mapped_bytes = je_size(p, "stats.mapped", s);
  je_size(p, "stats.retained", s);
  je_size(p, "stats.metadata", s);
}

static void glibc_stats(const alloc_probe *p, alloc_stats *s) {
  (void)p;
  struct mallinfo2 mi = mallinfo2();
  s->valid = 1;
  s->source = "mallinfo2";
  s->allocated_bytes = (int64_t)(mi.uordblks + mi.hblkhd);
  s->mapped_bytes = (int64_t)(mi.arena + mi.hblkhd);
  add_raw(s, "arena", (double)mi.arena);
  add_raw(s, "uordblks", (double)mi.uordblks);
  add_raw(s, "fordblks", (double)mi.fordblks);
  add_raw(s, "hblks", (double)mi.hblks);
  add_raw(s, "hblkhd", (double)mi.hblkhd);
  add_raw(s, "fsmblks", (double)mi.fsmblks);
  add_raw(s, "keepcost", (double)mi.keepcost);
  s->caveat = "mallinfo2 counts the main arena and mmapped chunks; arena is heap size, not resident memory";
}

static void tcmalloc_stats(const alloc_probe *p, alloc_stats *s) {
  tc_property_fn get = (tc_property_fn)dlsym(p->handle, "MallocExtension_GetNumericProperty");
  s->valid = get != NULL;
  s->source = "tcmalloc.properties";
  s->allocated_bytes = tc_prop(get, "generic.current_allocated_bytes", s);
  s->mapped_bytes = tc_prop(get, "generic.heap_size", s);
  s->resident_bytes = tc_prop(get, "generic.total_physical_bytes", s);
  tc_prop(get, "tcmalloc.pageheap_free_bytes", s);
  tc_prop(get, "tcmalloc.pageheap_unmapped_bytes", s);
  tc_prop(get, "tcmalloc.central_cache_free_bytes", s);
  tc_prop(get, "tcmalloc.thread_cache_free_bytes", s);
}

static void mimalloc_stats(const alloc_probe *p, alloc_stats *s) {
  void (*info)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *) =
      (void (*)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *))dlsym(p->handle, "mi_process_info");
  if (info == NULL) return;
  size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
  info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  s->valid = 1;
  s->source = "mi_process_info";
  s->resident_bytes = (int64_t)commit;
  add_raw(s, "current_commit", (double)commit);
  add_raw(s, "peak_commit", (double)peak_commit);
  s->caveat = "mimalloc 2.0.9 release build: no allocated-bytes counter; on Linux its rss is the commit estimate";
}

/* ---- the dispatch table: the first entry whose detect() accepts the serving object wins ---- */

struct allocator_api {
  const char *name;                       /* readback.api in a definition file */
  int scan_loaded;                        /* warn when loaded but not serving (not for libc, always loaded) */
  int (*detect)(void *handle, const char *path);
  void (*init)(alloc_probe *p, const char *serving_path); /* version, entry points */
  void (*write_options)(alloc_probe *p, json_writer *w);
  void (*read_stats)(const alloc_probe *p, alloc_stats *s);
};

static const allocator_api ALLOCATOR_APIS[] = {
    {"jemalloc", 1, jemalloc_detect, jemalloc_init, write_jemalloc_options, jemalloc_stats},
    {"mimalloc", 1, mimalloc_detect, mimalloc_init, write_mimalloc_options, mimalloc_stats},
    {"tcmalloc", 1, tcmalloc_detect, tcmalloc_init, write_tcmalloc_options, tcmalloc_stats},
    {"glibc", 0, glibc_detect, glibc_init, write_glibc_options, glibc_stats},
};
#define API_COUNT (sizeof ALLOCATOR_APIS / sizeof ALLOCATOR_APIS[0])

static const allocator_api *api_of(void *handle, const char *path, int loaded_scan) {
  for (size_t i = 0; i < API_COUNT; i++) {
    if (loaded_scan && !ALLOCATOR_APIS[i].scan_loaded) continue;
    if (ALLOCATOR_APIS[i].detect(handle, path)) return &ALLOCATOR_APIS[i];
  }
  return NULL;
}

static int scan_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  alloc_probe *p = data;
  const char *name = info->dlpi_name;
  if (name == NULL || name[0] == '\0' || (p->has_path && strcmp(name, p->path) == 0)) return 0;
  void *h = dlopen(name, RTLD_NOLOAD | RTLD_LAZY);
  if (h == NULL) return 0;
  const allocator_api *api = own_symbol(h, name, "__asan_init") ? NULL : api_of(h, name, 1);
  dlclose(h);
  if (api == NULL) return 0;
  for (int i = 0; i < p->loaded_count; i++)
    if (strcmp(p->loaded_not_serving[i], api->name) == 0) return 0;
  if (p->loaded_count < PROBE_MAX_LOADED) {
    snprintf(p->loaded_not_serving[p->loaded_count++], sizeof p->loaded_not_serving[0], "%s", api->name);
    probe_warn(p, "%s is loaded (%s) but does not serve malloc(); its statistics would describe an unused heap", api->name, name);
  }
  return 0;
}

/* Records which of the comma-separated `symbols` the serving object defines itself. */
static void find_identity_symbols(alloc_probe *p, const char *serving_path, const char *symbols) {
  if (symbols == NULL) return;
  char list[PROBE_TEXT];
  snprintf(list, sizeof list, "%s", symbols);
  char *save = NULL;
  for (char *sym = strtok_r(list, ",", &save); sym != NULL; sym = strtok_r(NULL, ",", &save)) {
    if (p->symbol_count >= PROBE_MAX_SYMBOLS) break;
    if (own_symbol(p->handle, serving_path, sym) != NULL) snprintf(p->symbols[p->symbol_count++], sizeof p->symbols[0], "%s", sym);
  }
}

void probe_allocator(alloc_probe *p, const probe_request *req) {
  memset(p, 0, sizeof *p);
  p->name = "unknown";
  p->handle = RTLD_DEFAULT;
  if (req) p->options_symbol = req->options_symbol;
  void *malloc_sym = dlsym(RTLD_DEFAULT, "malloc");
  Dl_info info;
  const char *serving_path = NULL;
  if (malloc_sym && dladdr(malloc_sym, &info) && info.dli_fname) {
    snprintf(p->path, sizeof p->path, "%s", info.dli_fname);
    p->has_path = 1;
    void *h = dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
    if (h != NULL) {
      p->handle = h; /* kept open for the life of the process */
      serving_path = p->path;
    }
  } else {
    probe_warn(p, "could not locate the object serving malloc()");
  }
  /* A statically linked allocator lives in the executable: its symbols are looked up globally. */
  if (own_symbol(p->handle, serving_path, "__asan_init")) {
    probe_warn(p, "AddressSanitizer intercepts malloc(); allocator figures describe the sanitizer heap");
  } else {
    p->api = api_of(p->handle, serving_path ? serving_path : (p->has_path ? p->path : NULL), 0);
    if (p->api) {
      p->name = p->api->name;
      p->api->init(p, serving_path);
    }
  }
  if (req) find_identity_symbols(p, serving_path, req->identity_symbols);
  if (req && req->version_symbol && !p->has_version) {
    const char *(*version)(void) = (const char *(*)(void))own_symbol(p->handle, serving_path, req->version_symbol);
    const char *v = version ? version() : NULL;
    if (v) {
      snprintf(p->version, sizeof p->version, "%s", v);
      p->has_version = 1;
    }
  }
  dl_iterate_phdr(scan_object, p);
}

/* Options from an exported `const char *f(void)` returning KEY=VALUE lines; integers stay numbers. */
static void write_function_options(alloc_probe *p, json_writer *w) {
  const char *(*fn)(void) = (const char *(*)(void))own_symbol(p->handle, p->has_path ? p->path : NULL, p->options_symbol);
  if (fn == NULL) {
    probe_warn(p, "the serving object does not define %s(); options not read", p->options_symbol);
    return;
  }
  const char *text = fn();
  char line[PROBE_TEXT];
  while (text && *text) {
    const char *end = strchr(text, '\n');
    size_t len = end ? (size_t)(end - text) : strlen(text);
    snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), text);
    text = end ? end + 1 : text + len;
    char *eq = strchr(line, '=');
    if (eq == NULL || eq == line) continue;
    *eq = '\0';
    const char *value = eq + 1;
    char *num_end = NULL;
    long long n = strtoll(value, &num_end, 10);
    int integer = value[0] != '\0' && *num_end == '\0' && !(value[0] == '0' && value[1] != '\0') && value[0] != '+';
    if (integer) json_kv_int(w, line, n);
    else json_kv_string(w, line, value);
  }
}

void probe_write_options(alloc_probe *p, json_writer *w) {
  json_begin_object(w);
  if (p->api) p->api->write_options(p, w);
  if (p->options_symbol) write_function_options(p, w);
  json_end_object(w);
}

void probe_read_stats(const alloc_probe *p, alloc_stats *s) {
  memset(s, 0, sizeof *s);
  s->allocated_bytes = s->active_bytes = s->resident_bytes = s->mapped_bytes = -1;
  if (p->api) p->api->read_stats(p, s);
}

static void kv_or_null(json_writer *w, const char *key, int64_t v) {
  if (v < 0) json_kv_null(w, key);
  else json_kv_int(w, key, v);
}

void write_alloc_stats(json_writer *w, const alloc_stats *s) {
  if (!s->valid) {
    json_null(w);
    return;
  }
  json_begin_object(w);
  json_kv_string(w, "source", s->source);
  kv_or_null(w, "allocated_bytes", s->allocated_bytes);
  kv_or_null(w, "active_bytes", s->active_bytes);
  kv_or_null(w, "resident_bytes", s->resident_bytes);
  kv_or_null(w, "mapped_bytes", s->mapped_bytes);
  json_key(w, "raw");
  json_begin_object(w);
  for (int i = 0; i < s->raw_count; i++) json_kv_double(w, s->raw_names[i], s->raw_values[i]);
  json_end_object(w);
  json_kv_string(w, "caveat", s->caveat);
  json_end_object(w);
}
