/* Reads and validates a v1 trace file: header, CRC-checked blocks, trailer, one record per seq.
 * Every defect is reported as one line naming the byte offset, with its own exit code. */
#ifndef TRACEREPLAY_TRACE_LOAD_H
#define TRACEREPLAY_TRACE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "trace-format.h"

/* Exit codes of tracereplay (0 ok, 1 internal, 2 usage, 8 replay failed: see replay.h). */
enum trace_error_code {
  TRACE_ERR_IO = 3,           /* cannot open, stat or map the file */
  TRACE_ERR_HEADER = 4,       /* not an alloctune trace, or not version 1 */
  TRACE_ERR_BLOCK = 5,        /* a block with a bad magic, record count or CRC */
  TRACE_ERR_TRUNCATED = 6,    /* the file ends inside the header, a block or the trailer, or has no trailer */
  TRACE_ERR_INCONSISTENT = 7, /* counts disagree with the trailer, a seq missing or repeated, an impossible record */
};

typedef struct trace_error {
  int code;
  char message[512];
} trace_error;

typedef struct trace_file {
  trace_record *records; /* sorted by seq: records[i] has seq i (own memory) */
  uint64_t count;
  uint32_t thread_count;
  uint32_t *os_tids; /* by thread index (own memory) */
  uint64_t end_t_ns;
  uint64_t file_bytes;
  uint32_t block_count;
} trace_file;

/* 0 on success; otherwise fills *err and returns its code. */
int trace_load(const char *path, trace_file *out, trace_error *err);
void trace_release(trace_file *t);

#endif
