import { ReplayTableSchema, type ReplayTable } from '../../src/core/replay-table.js';
import { SeededRng } from '../../src/core/seeded-rng.js';

/**
 * A synthetic table over the real jemalloc space narrowed to two knobs: RSS falls with
 * dirty_decay_ms, throughput falls when decay is below 100 ms, so the best feasible configs sit
 * just above 100 ms. (tcache is frozen, not dropped: dropping it fails on the extras' conditions.)
 */
export function syntheticTable(): ReplayTable {
  const rng = new SeededRng(1);
  const rows: ReplayTable['rows'] = [];
  const decays = [10000, 0, 1, 3, 10, 30, 60, 100, 120, 200, 400, 1000, 3000, 30000];
  for (const dirty_decay_ms of decays) {
    for (const lg of [2, 6, 10]) {
      const rss = 40e6 * (1 + Math.log10(dirty_decay_ms + 1) / 5) * (1 + (lg - 2) / 200);
      const ops = dirty_decay_ms < 100 ? 180e3 : 260e3;
      rows.push({
        config: { dirty_decay_ms, lg_extent_max_active_fit: lg },
        samples: Array.from({ length: 3 }, () => ({ rss_bytes_at_500ms: rss * (1 + 0.002 * rng.normal()), ops_per_s: ops * (1 + 0.05 * rng.normal()) })),
      });
    }
  }
  return ReplayTableSchema.parse({
    space: { allocator: 'jemalloc', overrides: { drop: ['narenas', 'background_thread', 'max_background_threads', 'tcache_max', 'lg_tcache_nslots_mul', 'muzzy_decay_ms', 'metadata_thp', 'thp', 'oversize_threshold'], freeze: { tcache: true } } },
    objective: { metric: 'rss_bytes_at_500ms', direction: 'min' },
    constraints: [{ metric: 'ops_per_s', min: 234e3 }],
    baseline_row: 0,
    rows,
  });
}
