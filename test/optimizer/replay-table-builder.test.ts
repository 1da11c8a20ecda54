import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseCpuList } from '../../src/sys/cpu-list.js';
import { join } from 'node:path';
import { ReplayTableSchema } from '../../src/core/replay-table.js';
import { buildTable } from '../../experiments/optimizer-replay/table-builder.js';
import { tableEmbedding } from '../../src/cli/commands/bench.js';

// The first CPU this process may use (the run may be pinned, e.g. under taskset).
function firstAllowedCpu(): string {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  return String(parseCpuList(line?.split(':')[1]?.trim() ?? '0')[0] ?? 0);
}

test('the table builder measures real harness runs and writes a valid table keyed by requested offsets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-table-'));
  try {
    const out = join(dir, 'table.json');
    await buildTable(
      {
        allocator: 'jemalloc',
        overrides: { drop: ['narenas', 'background_thread', 'max_background_threads', 'tcache_max', 'lg_tcache_nslots_mul'], freeze: { tcache: true } },
        workload: 'fragmentation',
        args: { 'target-mb': 4, 'snapshot-ms': '0,50' },
        cpus: firstAllowedCpu(),
        rows: 3,
        repeats: 2,
        metrics: ['rss_bytes_at_50ms', 'ops_per_cpu_s'],
        objective: { metric: 'rss_bytes_at_50ms', direction: 'min' },
        constraints: (base) => [{ metric: 'ops_per_cpu_s', min: Math.round(0.5 * (base['ops_per_cpu_s'] ?? 0)) }],
        seed: 1,
        out,
      },
      () => {},
    );
    const raw = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(raw.provenance.failures, []);
    const table = ReplayTableSchema.parse(raw);
    assert.equal(table.rows.length, 3);
    assert.deepEqual(table.rows[0]?.config['dirty_decay_ms'], 10000, 'row 0 is the defaults');
    for (const row of table.rows) {
      assert.equal(row.samples.length, 2);
      for (const s of row.samples) {
        assert.ok((s['rss_bytes_at_50ms'] ?? 0) > 1e6, JSON.stringify(s));
        assert.ok((s['ops_per_cpu_s'] ?? 0) > 0);
      }
    }
    const constraint = table.constraints[0];
    assert.ok(constraint && 'min' in constraint && constraint.min > 0);
    assert.equal(tableEmbedding(table).dimension, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
