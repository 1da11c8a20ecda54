/* The alloctune allocation trace, format version 1 (TRACE-FORMAT.md, agreed with the recorder in
 * native/tracer/). Little-endian; the loader reads fields byte by byte, so host layout never matters. */
#ifndef TRACEREPLAY_TRACE_FORMAT_H
#define TRACEREPLAY_TRACE_FORMAT_H

#include <stdint.h>

#define TRACE_MAGIC "ALCTRACE"
#define TRACE_VERSION 1u
#define TRACE_HEADER_FIXED 16u
#define TRACE_HEADER_JSON_MAX (1u << 20)
#define TRACE_BLOCK_MAGIC 0x4B4C4243u /* bytes "CBLK" */
#define TRACE_BLOCK_HEADER 16u
#define TRACE_BLOCK_MAX_RECORDS 65536u
#define TRACE_RECORD_BYTES 48u
#define TRACE_END_MAGIC 0x444E4543u /* bytes "CEND" */
#define TRACE_TRAILER_FIXED 24u
#define TRACE_THREAD_ENTRY 8u

/* Recorded call (the `op` field). */
enum trace_op {
  OP_MALLOC = 1,
  OP_CALLOC = 2,
  OP_REALLOC = 3,
  OP_FREE = 4,
  OP_POSIX_MEMALIGN = 5,
  OP_ALIGNED_ALLOC = 6,
  OP_MEMALIGN = 7,
  OP_VALLOC = 8,
  OP_PVALLOC = 9,
};
#define TRACE_OP_MAX 9
#define TRACE_FLAG_FAILED 1u

/* A decoded record (seq is its index in the sorted array). */
typedef struct trace_record {
  uint64_t t_ns;
  uint64_t ptr;
  uint64_t size;
  uint64_t aux;
  uint16_t op;
  uint16_t flags;
  uint32_t thread; /* index into the thread table */
} trace_record;

#endif
