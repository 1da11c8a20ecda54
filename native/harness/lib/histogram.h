/* Log-linear latency histogram (HDR-style): 128 linear sub-buckets per power of two, so every
 * recorded value keeps at least 2 significant digits (relative bucket width <= 1/128), exact below
 * 256 ns, range 0 .. 2^35 ns (~34 s; larger values are clamped into the last bucket). */
#ifndef ALLOCBENCH_HISTOGRAM_H
#define ALLOCBENCH_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)
#define HIST_MAX_SHIFT 27 /* values < 2^(HIST_SUB_BITS + 1 + HIST_MAX_SHIFT) = 2^35 */
#define HIST_BUCKETS ((HIST_MAX_SHIFT + 2) * HIST_SUB_COUNT)

typedef struct histogram {
  uint64_t total;
  uint64_t sum_ns;
  uint64_t max_ns;
  uint64_t counts[HIST_BUCKETS];
} histogram;

void hist_reset(histogram *h);
void hist_merge(histogram *into, const histogram *from);
/* Bucket of a value; exposed for the unit test of the bucket layout. */
unsigned hist_bucket_of(uint64_t value_ns);
/* Highest value that falls into bucket `index`. */
uint64_t hist_bucket_high(unsigned index);
/* Value at `percentile` (0..100): the highest equivalent value of the bucket holding that rank,
 * capped at the exact maximum. 0 when the histogram is empty. */
uint64_t hist_percentile(const histogram *h, double percentile);
double hist_mean(const histogram *h);

static inline void hist_record(histogram *h, uint64_t value_ns) {
  h->counts[hist_bucket_of(value_ns)]++;
  h->total++;
  h->sum_ns += value_ns;
  if (value_ns > h->max_ns) h->max_ns = value_ns;
}

#endif
