/* histogram-check: feeds the harness histogram known value sets and prints, as JSON, the reported
 * percentile next to the exact one (nearest-rank on the sorted values) for test/native/histogram.test.ts. */
#include <stdio.h>
#include <stdlib.h>

#include "../harness/lib/histogram.h"
#include "../harness/lib/rng.h"

#define N 200000

static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static void check(const char *name, uint64_t *values, int merged) {
  static histogram a, b;
  hist_reset(&a);
  hist_reset(&b);
  /* Split across two histograms and merge, as the per-thread histograms are. */
  for (int i = 0; i < N; i++) hist_record(merged && i % 2 ? &b : &a, values[i]);
  if (merged) hist_merge(&a, &b);
  qsort(values, N, sizeof values[0], cmp);
  const double ps[] = {50, 90, 99, 99.9, 99.99, 100};
  printf("{\"name\":\"%s\",\"count\":%llu,\"max\":%llu,\"points\":[", name, (unsigned long long)a.total, (unsigned long long)a.max_ns);
  for (int i = 0; i < 6; i++) {
    size_t rank = (size_t)((ps[i] / 100.0) * N + 0.999999);
    if (rank < 1) rank = 1;
    printf("%s{\"p\":%g,\"exact\":%llu,\"reported\":%llu}", i ? "," : "", ps[i], (unsigned long long)values[rank - 1],
           (unsigned long long)hist_percentile(&a, ps[i]));
  }
  printf("]}");
}

int main(void) {
  static uint64_t v[N];
  rng r;
  rng_seed(&r, 7, 1);
  printf("[");
  for (int i = 0; i < N; i++) v[i] = rng_range(&r, 10, 200);
  check("uniform-10-200ns", v, 0);
  printf(",");
  for (int i = 0; i < N; i++) v[i] = rng_log_range(&r, 10, 10000000000ull);
  check("log-uniform-10ns-10s", v, 1);
  printf(",");
  for (int i = 0; i < N; i++) v[i] = 25 + (rng_below(&r, 1000) == 0 ? rng_range(&r, 1000000, 5000000) : rng_below(&r, 40));
  check("fast-with-rare-ms-tail", v, 1);
  printf("]\n");
  return 0;
}
