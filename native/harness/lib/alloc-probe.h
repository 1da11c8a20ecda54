/* Which allocator really serves malloc(), its version, its options read back through its own API,
 * and its usage statistics (reference: allocator-knobs.md section 6). */
#ifndef ALLOCBENCH_ALLOC_PROBE_H
#define ALLOCBENCH_ALLOC_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "json-writer.h"

#define PROBE_MAX_WARNINGS 16
#define PROBE_MAX_LOADED 8
#define PROBE_TEXT 512

#define PROBE_MAX_SYMBOLS 16

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

/* An entry of the statistics-API table in alloc-probe.c. */
typedef struct allocator_api allocator_api;

/* What the worker asks for, from the allocator's definition file (all optional). */
typedef struct probe_request {
  const char *identity_symbols; /* comma-separated: report which ones the serving object defines */
  const char *options_symbol;   /* `const char *f(void)` returning KEY=VALUE lines */
  const char *version_symbol;   /* `const char *f(void)` returning the version */
} probe_request;

typedef struct alloc_probe {
  const char *name; /* the table entry's name, or "unknown" */
  const allocator_api *api;
  const char *options_symbol;
  int symbol_count;
  char symbols[PROBE_MAX_SYMBOLS][128];
  char version[PROBE_TEXT];
  char path[PROBE_TEXT];
  int has_version;
  int has_path;
  void *handle; /* where the allocator's own symbols are looked up */
  mallctl_fn mallctl;
  int loaded_count;
  char loaded_not_serving[PROBE_MAX_LOADED][32];
  int warning_count;
  char warnings[PROBE_MAX_WARNINGS][PROBE_TEXT];
} alloc_probe;

#define STATS_MAX_RAW 16

/* One reading of allocator-reported usage; -1 marks a figure the allocator does not offer. */
typedef struct alloc_stats {
  int valid;
  const char *source;
  const char *caveat;
  int64_t allocated_bytes, active_bytes, resident_bytes, mapped_bytes;
  int raw_count;
  const char *raw_names[STATS_MAX_RAW];
  double raw_values[STATS_MAX_RAW];
} alloc_stats;

void probe_allocator(alloc_probe *p, const probe_request *req);
void probe_warn(alloc_probe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes the "options" object value. */
void probe_write_options(alloc_probe *p, json_writer *w);
/* Reads usage figures now (jemalloc: after an epoch refresh). */
void probe_read_stats(const alloc_probe *p, alloc_stats *out);
/* Writes the stats object, or null when !stats->valid. */
void write_alloc_stats(json_writer *w, const alloc_stats *stats);

#endif
