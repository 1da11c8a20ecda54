#include "json-writer.h"

#include <inttypes.h>
#include <math.h>

void json_init(json_writer *w, FILE *out) {
  w->out = out;
  w->depth = 0;
  w->first[0] = 1;
  w->after_key = 0;
}

static void before_value(json_writer *w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  if (!w->first[w->depth]) fputc(',', w->out);
  w->first[w->depth] = 0;
}

static void open_container(json_writer *w, char c) {
  before_value(w);
  fputc(c, w->out);
  if (w->depth + 1 < JSON_MAX_DEPTH) w->depth++;
  w->first[w->depth] = 1;
}

static void close_container(json_writer *w, char c) {
  fputc(c, w->out);
  if (w->depth > 0) w->depth--;
}

void json_begin_object(json_writer *w) { open_container(w, '{'); }
void json_end_object(json_writer *w) { close_container(w, '}'); }
void json_begin_array(json_writer *w) { open_container(w, '['); }
void json_end_array(json_writer *w) { close_container(w, ']'); }

static void write_escaped(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      default:
        if (*p < 0x20) fprintf(out, "\\u%04x", *p);
        else fputc(*p, out);
    }
  }
  fputc('"', out);
}

void json_key(json_writer *w, const char *key) {
  before_value(w);
  write_escaped(w->out, key);
  fputc(':', w->out);
  w->after_key = 1;
}

void json_string(json_writer *w, const char *s) {
  before_value(w);
  if (s == NULL) fputs("null", w->out);
  else write_escaped(w->out, s);
}

void json_int(json_writer *w, int64_t v) {
  before_value(w);
  fprintf(w->out, "%" PRId64, v);
}

void json_uint(json_writer *w, uint64_t v) {
  before_value(w);
  fprintf(w->out, "%" PRIu64, v);
}

void json_double(json_writer *w, double v) {
  before_value(w);
  if (isnan(v) || isinf(v)) fputs("null", w->out);
  else fprintf(w->out, "%.10g", v);
}

void json_bool(json_writer *w, int v) {
  before_value(w);
  fputs(v ? "true" : "false", w->out);
}

void json_null(json_writer *w) {
  before_value(w);
  fputs("null", w->out);
}

void json_kv_string(json_writer *w, const char *key, const char *s) { json_key(w, key); json_string(w, s); }
void json_kv_int(json_writer *w, const char *key, int64_t v) { json_key(w, key); json_int(w, v); }
void json_kv_uint(json_writer *w, const char *key, uint64_t v) { json_key(w, key); json_uint(w, v); }
void json_kv_double(json_writer *w, const char *key, double v) { json_key(w, key); json_double(w, v); }
void json_kv_bool(json_writer *w, const char *key, int v) { json_key(w, key); json_bool(w, v); }
void json_kv_null(json_writer *w, const char *key) { json_key(w, key); json_null(w); }
