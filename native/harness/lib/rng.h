/* Seeded PRNG (xoshiro256** seeded through splitmix64): reproducible per (seed, thread). */
#ifndef ALLOCBENCH_RNG_H
#define ALLOCBENCH_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct rng {
  uint64_t s[4];
} rng;

static inline uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline void rng_seed(rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static inline uint64_t rng_next(rng *r) {
  uint64_t *s = r->s;
  uint64_t result = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

/* Uniform in [0, n) by multiply-shift (no division; bias < n / 2^64). */
static inline uint64_t rng_below(rng *r, uint64_t n) { return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64); }

/* Uniform in [lo, hi]. */
static inline uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi) { return lo + rng_below(r, hi - lo + 1); }

/* Uniform in [0, 1). */
static inline double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Log-uniform in [lo, hi]: as many objects per size octave, the shape of real heaps. */
static inline uint64_t rng_log_range(rng *r, uint64_t lo, uint64_t hi) {
  if (lo >= hi) return lo;
  double v = exp(log((double)lo) + rng_unit(r) * (log((double)hi + 1.0) - log((double)lo)));
  uint64_t u = (uint64_t)v;
  return u < lo ? lo : (u > hi ? hi : u);
}

#endif
