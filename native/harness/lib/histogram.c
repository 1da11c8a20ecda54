#include "histogram.h"

#include <math.h>
#include <string.h>

void hist_reset(histogram *h) { memset(h, 0, sizeof *h); }

void hist_merge(histogram *into, const histogram *from) {
  for (unsigned i = 0; i < HIST_BUCKETS; i++) into->counts[i] += from->counts[i];
  into->total += from->total;
  into->sum_ns += from->sum_ns;
  if (from->max_ns > into->max_ns) into->max_ns = from->max_ns;
}

unsigned hist_bucket_of(uint64_t v) {
  if (v < 2 * HIST_SUB_COUNT) return (unsigned)v;
  unsigned top = 63u - (unsigned)__builtin_clzll(v); /* >= HIST_SUB_BITS + 1 */
  unsigned shift = top - HIST_SUB_BITS;
  if (shift > HIST_MAX_SHIFT) return HIST_BUCKETS - 1;
  return shift * HIST_SUB_COUNT + (unsigned)(v >> shift);
}

uint64_t hist_bucket_high(unsigned index) {
  if (index < 2 * HIST_SUB_COUNT) return index;
  unsigned shift = index / HIST_SUB_COUNT - 1;
  uint64_t mantissa = index - shift * HIST_SUB_COUNT;
  return ((mantissa + 1) << shift) - 1;
}

uint64_t hist_percentile(const histogram *h, double percentile) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)ceil(percentile / 100.0 * (double)h->total);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      uint64_t high = hist_bucket_high(i);
      return high < h->max_ns ? high : h->max_ns;
    }
  }
  return h->max_ns;
}

double hist_mean(const histogram *h) { return h->total ? (double)h->sum_ns / (double)h->total : 0.0; }
