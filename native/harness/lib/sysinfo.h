/* Process and machine readings: RSS, rusage, CPU steal, CPU lists and pinning, the clock. */
#ifndef ALLOCBENCH_SYSINFO_H
#define ALLOCBENCH_SYSINFO_H

#include <sched.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time consumed by the calling thread, ns (unaffected by time spent descheduled). */
static inline uint64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Median cost in ns of two back-to-back now_ns() calls (what every timed sample includes). */
double timer_overhead_ns(void);

/* Current resident set size from /proc/self/statm; 0 if unreadable. */
uint64_t rss_bytes(void);
/* Peak resident set size (VmHWM) of the process; 0 if unreadable. */
uint64_t peak_rss_bytes(void);

/* Aggregate CPU counters from the "cpu" line of /proc/stat, in clock ticks. */
typedef struct cpu_times {
  uint64_t total;
  uint64_t steal;
} cpu_times;
int read_cpu_times(cpu_times *out);
/* Stolen share of CPU time between two readings, in percent (0 when no time passed). */
double steal_pct_between(const cpu_times *before, const cpu_times *after);

/* Parse "0,2-3" into an ordered list of CPU numbers; returns the count, or -1 on a syntax error. */
int parse_cpu_list(const char *text, int *cpus, int max_cpus);
/* Pin the calling thread to one CPU (0 on success, errno otherwise). */
int pin_self_to_cpu(int cpu);
/* Pin the calling thread to a set of CPUs. */
int pin_self_to_cpus(const int *cpus, int count);

int online_cpus(void);

void sleep_ns(uint64_t ns);

#endif
