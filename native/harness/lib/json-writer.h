/* Streaming JSON writer with automatic commas; the whole document is built in memory and
 * written at once so a failure half-way never leaves a partial document on stdout. */
#ifndef ALLOCBENCH_JSON_WRITER_H
#define ALLOCBENCH_JSON_WRITER_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_writer {
  FILE *out;
  int depth;
  int first[JSON_MAX_DEPTH]; /* 1 while the container at that depth has no element yet */
  int after_key;
} json_writer;

void json_init(json_writer *w, FILE *out);
void json_begin_object(json_writer *w);
void json_end_object(json_writer *w);
void json_begin_array(json_writer *w);
void json_end_array(json_writer *w);
/* Key inside an object; the next value call writes its value. */
void json_key(json_writer *w, const char *key);
void json_string(json_writer *w, const char *s); /* NULL writes null */
void json_int(json_writer *w, int64_t v);
void json_uint(json_writer *w, uint64_t v);
void json_double(json_writer *w, double v); /* NaN and infinities write null */
void json_bool(json_writer *w, int v);
void json_null(json_writer *w);

/* Shorthands for "key": value. */
void json_kv_string(json_writer *w, const char *key, const char *s);
void json_kv_int(json_writer *w, const char *key, int64_t v);
void json_kv_uint(json_writer *w, const char *key, uint64_t v);
void json_kv_double(json_writer *w, const char *key, double v);
void json_kv_bool(json_writer *w, const char *key, int v);
void json_kv_null(json_writer *w, const char *key);

#endif
