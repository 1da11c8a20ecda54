#include "sysinfo.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

double timer_overhead_ns(void) {
  enum { ROUNDS = 20001 };
  static uint64_t deltas[ROUNDS];
  for (int i = 0; i < 1000; i++) (void)now_ns();
  for (int i = 0; i < ROUNDS; i++) {
    uint64_t t0 = now_ns();
    uint64_t t1 = now_ns();
    deltas[i] = t1 - t0;
  }
  qsort(deltas, ROUNDS, sizeof deltas[0], cmp_u64);
  return (double)deltas[ROUNDS / 2];
}

uint64_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  int n = fscanf(f, "%llu %llu", &size, &resident);
  fclose(f);
  if (n != 2) return 0;
  return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t peak_rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kib = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmHWM:", 6) == 0) {
      kib = strtoull(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kib * 1024;
}

int read_cpu_times(cpu_times *out) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  unsigned long long v[8] = {0};
  int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (n < 8) return -1;
  out->total = 0;
  for (int i = 0; i < 8; i++) out->total += v[i];
  out->steal = v[7];
  return 0;
}

double steal_pct_between(const cpu_times *before, const cpu_times *after) {
  if (after->total <= before->total) return 0.0;
  return 100.0 * (double)(after->steal - before->steal) / (double)(after->total - before->total);
}

int parse_cpu_list(const char *text, int *cpus, int max_cpus) {
  int count = 0;
  const char *p = text;
  if (*p == '\0') return -1;
  while (*p) {
    char *end;
    errno = 0;
    long lo = strtol(p, &end, 10);
    if (end == p || errno || lo < 0 || lo >= CPU_SETSIZE) return -1;
    long hi = lo;
    p = end;
    if (*p == '-') {
      p++;
      hi = strtol(p, &end, 10);
      if (end == p || errno || hi < lo || hi >= CPU_SETSIZE) return -1;
      p = end;
    }
    for (long c = lo; c <= hi; c++) {
      if (count >= max_cpus) return -1;
      cpus[count++] = (int)c;
    }
    if (*p == ',') {
      p++;
      if (*p == '\0') return -1;
    } else if (*p != '\0') {
      return -1;
    }
  }
  return count;
}

int pin_self_to_cpus(const int *cpus, int count) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < count; i++) CPU_SET(cpus[i], &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int pin_self_to_cpu(int cpu) { return pin_self_to_cpus(&cpu, 1); }

int online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

void sleep_ns(uint64_t ns) {
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}
