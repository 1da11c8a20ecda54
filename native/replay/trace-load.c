#include "trace-load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "own-memory.h"

/* A successful allocation larger than this (64 TiB) cannot have happened: the record is corrupt. */
#define MAX_PLAUSIBLE_SIZE (1ull << 46)

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

static int fail(trace_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(trace_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  err->code = code;
  return code;
}

static int is_alloc_op(unsigned op) { return op != OP_FREE; }
static int is_aligned_op(unsigned op) { return op == OP_POSIX_MEMALIGN || op == OP_ALIGNED_ALLOC || op == OP_MEMALIGN; }

/* Checks one record on its own; 0 or the error code. */
static int check_record(const trace_record *r, uint64_t seq, uint64_t offset, trace_error *err) {
  if (r->op < 1 || r->op > TRACE_OP_MAX) return fail(err, TRACE_ERR_INCONSISTENT, "record seq %llu at offset %llu: unknown op %u", (unsigned long long)seq, (unsigned long long)offset, r->op);
  if (r->flags & ~TRACE_FLAG_FAILED) return fail(err, TRACE_ERR_INCONSISTENT, "record seq %llu at offset %llu: unknown flags 0x%x", (unsigned long long)seq, (unsigned long long)offset, r->flags);
  if (r->flags & TRACE_FLAG_FAILED) return 0; /* replayed as a skipped call: nothing else matters */
  if (!is_alloc_op(r->op)) return 0;
  int realloc_free = r->op == OP_REALLOC && r->size == 0 && r->ptr == 0;
  if (r->ptr == 0 && !realloc_free)
    return fail(err, TRACE_ERR_INCONSISTENT, "record seq %llu at offset %llu: a successful allocation returned NULL", (unsigned long long)seq, (unsigned long long)offset);
  if (r->size > MAX_PLAUSIBLE_SIZE)
    return fail(err, TRACE_ERR_INCONSISTENT, "record seq %llu at offset %llu: implausible size %llu", (unsigned long long)seq, (unsigned long long)offset, (unsigned long long)r->size);
  if (is_aligned_op(r->op) && (r->aux == 0 || (r->aux & (r->aux - 1)) != 0 || r->aux > (1ull << 30)))
    return fail(err, TRACE_ERR_INCONSISTENT, "record seq %llu at offset %llu: alignment %llu is not a power of two up to 1 GiB", (unsigned long long)seq, (unsigned long long)offset, (unsigned long long)r->aux);
  return 0;
}

static void decode(const unsigned char *p, trace_record *r, uint64_t *seq, uint32_t thread) {
  *seq = rd64(p);
  r->t_ns = rd64(p + 8);
  r->ptr = rd64(p + 16);
  r->size = rd64(p + 24);
  r->aux = rd64(p + 32);
  r->op = rd16(p + 40);
  r->flags = rd16(p + 42);
  r->thread = thread;
}

/* Pass 1: walks the blocks up to the trailer, checking their framing and CRC; finds the trailer. */
static int scan_blocks(const unsigned char *base, uint64_t size, uint64_t start, trace_file *t, uint64_t *trailer_at, trace_error *err) {
  uint64_t off = start, records = 0;
  for (;;) {
    if (off == size) return fail(err, TRACE_ERR_TRUNCATED, "no trailer: the file ends at offset %llu after %u complete blocks (recording interrupted?)", (unsigned long long)off, t->block_count);
    if (size - off < 4) return fail(err, TRACE_ERR_TRUNCATED, "file ends at offset %llu inside a block header", (unsigned long long)size);
    uint32_t magic = rd32(base + off);
    if (magic == TRACE_END_MAGIC) break;
    if (magic != TRACE_BLOCK_MAGIC) return fail(err, TRACE_ERR_BLOCK, "bad block magic 0x%08x at offset %llu", magic, (unsigned long long)off);
    if (size - off < TRACE_BLOCK_HEADER) return fail(err, TRACE_ERR_TRUNCATED, "file ends at offset %llu inside the block header at offset %llu", (unsigned long long)size, (unsigned long long)off);
    uint32_t count = rd32(base + off + 8);
    uint32_t crc = rd32(base + off + 12);
    if (count < 1 || count > TRACE_BLOCK_MAX_RECORDS) return fail(err, TRACE_ERR_BLOCK, "block at offset %llu: record count %u outside 1..%u", (unsigned long long)off, count, TRACE_BLOCK_MAX_RECORDS);
    uint64_t bytes = (uint64_t)count * TRACE_RECORD_BYTES;
    if (size - off - TRACE_BLOCK_HEADER < bytes)
      return fail(err, TRACE_ERR_TRUNCATED, "file ends at offset %llu inside the block at offset %llu (%u records need %llu bytes)", (unsigned long long)size, (unsigned long long)off, count, (unsigned long long)bytes);
    uint32_t actual = crc32_ieee(base + off + TRACE_BLOCK_HEADER, (size_t)bytes);
    if (actual != crc) return fail(err, TRACE_ERR_BLOCK, "block at offset %llu: CRC 0x%08x does not match the records' 0x%08x", (unsigned long long)off, crc, actual);
    records += count;
    t->block_count++;
    off += TRACE_BLOCK_HEADER + bytes;
  }
  if (size - off < TRACE_TRAILER_FIXED) return fail(err, TRACE_ERR_TRUNCATED, "file ends at offset %llu inside the trailer at offset %llu", (unsigned long long)size, (unsigned long long)off);
  t->thread_count = rd32(base + off + 4);
  uint64_t total = rd64(base + off + 8);
  t->end_t_ns = rd64(base + off + 16);
  uint64_t table = (uint64_t)t->thread_count * TRACE_THREAD_ENTRY;
  if (size - off - TRACE_TRAILER_FIXED < table) return fail(err, TRACE_ERR_TRUNCATED, "file ends at offset %llu inside the trailer's thread table (%u threads)", (unsigned long long)size, t->thread_count);
  if (size - off - TRACE_TRAILER_FIXED > table)
    return fail(err, TRACE_ERR_INCONSISTENT, "%llu bytes after the trailer at offset %llu", (unsigned long long)(size - off - TRACE_TRAILER_FIXED - table), (unsigned long long)off);
  if (total != records)
    return fail(err, TRACE_ERR_INCONSISTENT, "the trailer at offset %llu says %llu records, the blocks hold %llu", (unsigned long long)off, (unsigned long long)total, (unsigned long long)records);
  if (t->thread_count == 0 && records > 0) return fail(err, TRACE_ERR_INCONSISTENT, "the trailer at offset %llu lists no thread for %llu records", (unsigned long long)off, (unsigned long long)records);
  *trailer_at = off;
  t->count = records;
  return 0;
}

static int read_thread_table(const unsigned char *base, uint64_t trailer_at, trace_file *t, trace_error *err) {
  t->os_tids = own_alloc((size_t)t->thread_count * sizeof(uint32_t) + 1);
  unsigned char *seen = own_alloc((size_t)t->thread_count + 1);
  if (!t->os_tids || !seen) {
    own_free(seen, (size_t)t->thread_count + 1);
    return fail(err, 1, "out of memory for a table of %u threads", t->thread_count);
  }
  int rc = 0;
  for (uint32_t i = 0; i < t->thread_count && rc == 0; i++) {
    const unsigned char *e = base + trailer_at + TRACE_TRAILER_FIXED + (uint64_t)i * TRACE_THREAD_ENTRY;
    uint32_t index = rd32(e);
    if (index >= t->thread_count || seen[index])
      rc = fail(err, TRACE_ERR_INCONSISTENT, "thread table entry %u at offset %llu: thread index %u %s", i, (unsigned long long)(e - base), index, index >= t->thread_count ? "outside the table" : "repeated");
    else {
      seen[index] = 1;
      t->os_tids[index] = rd32(e + 4);
    }
  }
  own_free(seen, (size_t)t->thread_count + 1);
  return rc;
}

/* Pass 2: every record into its seq's slot; a seq out of range or seen twice is an error. */
static int place_records(const unsigned char *base, uint64_t start, trace_file *t, trace_error *err) {
  size_t bytes = (size_t)t->count * sizeof(trace_record);
  t->records = own_alloc(bytes);
  unsigned char *seen = own_alloc((size_t)t->count + 1);
  if ((t->count > 0 && !t->records) || !seen) {
    own_free(seen, (size_t)t->count + 1);
    return fail(err, 1, "out of memory for %llu records", (unsigned long long)t->count);
  }
  int rc = 0;
  uint64_t off = start, beyond = 0, beyond_at = 0;
  for (uint32_t b = 0; b < t->block_count && rc == 0; b++) {
    uint32_t thread = rd32(base + off + 4);
    uint32_t count = rd32(base + off + 8);
    if (thread >= t->thread_count) {
      rc = fail(err, TRACE_ERR_INCONSISTENT, "block at offset %llu: thread index %u outside the trailer's %u threads", (unsigned long long)off, thread, t->thread_count);
      break;
    }
    for (uint32_t i = 0; i < count && rc == 0; i++) {
      uint64_t at = off + TRACE_BLOCK_HEADER + (uint64_t)i * TRACE_RECORD_BYTES;
      trace_record r;
      uint64_t seq;
      decode(base + at, &r, &seq, thread);
      if (seq >= t->count) {
        if (beyond_at == 0) {
          beyond = seq;
          beyond_at = at;
        }
        continue;
      }
      if (seen[seq]) {
        rc = fail(err, TRACE_ERR_INCONSISTENT, "seq %llu repeated at offset %llu", (unsigned long long)seq, (unsigned long long)at);
        break;
      }
      seen[seq] = 1;
      rc = check_record(&r, seq, at, err);
      t->records[seq] = r;
    }
    off += TRACE_BLOCK_HEADER + (uint64_t)count * TRACE_RECORD_BYTES;
  }
  if (rc == 0 && beyond_at != 0) {
    /* count records, all distinct, one beyond the range: some seq below it is missing. */
    uint64_t missing = 0;
    while (missing < t->count && seen[missing]) missing++;
    rc = fail(err, TRACE_ERR_INCONSISTENT, "seq %llu missing (seq %llu at offset %llu is beyond the %llu records)", (unsigned long long)missing, (unsigned long long)beyond, (unsigned long long)beyond_at,
              (unsigned long long)t->count);
  }
  own_free(seen, (size_t)t->count + 1);
  return rc;
}

int trace_load(const char *path, trace_file *t, trace_error *err) {
  memset(t, 0, sizeof *t);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(err, TRACE_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fail(err, TRACE_ERR_IO, "%s is not a regular file", path);
  }
  uint64_t size = (uint64_t)st.st_size;
  t->file_bytes = size;
  if (size < TRACE_HEADER_FIXED) {
    unsigned char head[8] = {0};
    ssize_t got = size >= 8 ? pread(fd, head, 8, 0) : 0;
    close(fd);
    if (size == 0) return fail(err, TRACE_ERR_HEADER, "file is empty: not an alloctune trace");
    if (got == 8 && memcmp(head, TRACE_MAGIC, 8) != 0) return fail(err, TRACE_ERR_HEADER, "bad magic at offset 0: not an alloctune trace (expected \"ALCTRACE\")");
    return fail(err, TRACE_ERR_TRUNCATED, "file is %llu bytes: it ends inside the 16-byte header", (unsigned long long)size);
  }
  const unsigned char *base = own_map_file(fd, (size_t)size);
  close(fd);
  if (base == NULL) return fail(err, TRACE_ERR_IO, "cannot map %s: %s", path, strerror(errno));
  int rc = 0;
  uint64_t trailer_at = 0;
  if (memcmp(base, TRACE_MAGIC, 8) != 0) {
    rc = fail(err, TRACE_ERR_HEADER, "bad magic at offset 0: not an alloctune trace (expected \"ALCTRACE\")");
  } else if (rd32(base + 8) != TRACE_VERSION) {
    rc = fail(err, TRACE_ERR_HEADER, "format version %u at offset 8; this replayer reads version %u", rd32(base + 8), TRACE_VERSION);
  } else {
    uint32_t json_len = rd32(base + 12);
    if (json_len > TRACE_HEADER_JSON_MAX) rc = fail(err, TRACE_ERR_HEADER, "header JSON length %u at offset 12 exceeds %u", json_len, TRACE_HEADER_JSON_MAX);
    else if (size - TRACE_HEADER_FIXED < json_len) rc = fail(err, TRACE_ERR_TRUNCATED, "file ends at offset %llu inside the %u-byte header JSON", (unsigned long long)size, json_len);
    else {
      uint64_t start = TRACE_HEADER_FIXED + json_len;
      rc = scan_blocks(base, size, start, t, &trailer_at, err);
      if (rc == 0) rc = read_thread_table(base, trailer_at, t, err);
      if (rc == 0) rc = place_records(base, start, t, err);
    }
  }
  own_unmap_file(base, (size_t)size);
  if (rc != 0) trace_release(t);
  return rc;
}

void trace_release(trace_file *t) {
  own_free(t->records, (size_t)t->count * sizeof(trace_record));
  own_free(t->os_tids, (size_t)t->thread_count * sizeof(uint32_t) + 1);
  t->records = NULL;
  t->os_tids = NULL;
}
