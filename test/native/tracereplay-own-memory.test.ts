import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ReplayResultSchema, type ReplayResult } from '../../src/core/replay-result.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { replayMetrics } from '../../workers/runners/trace-runner.js';
import { writeTrace, type TraceCall } from '../helpers/write-trace.js';

// The replayer takes its own tables out of the RSS exactly (mincore of its own mappings), and only
// them: two traces with the same live heap but 1600 times as many records replay to the same
// rss_minus_replayer, while their gross RSS and their RSS above the baseline differ by the tables;
// the allocator's own start-up (jemalloc's huge pages under thp:always) stays in it.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-own-memory-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 2 ** 20;
const LIVE_BLOCKS = 256;
const BLOCK_BYTES = 64 * 1024;
const CHURN_PAIRS = 400_000;

/** 16 MiB left live to the end, then `churn` malloc(16)/free pairs on one address: the same live heap whatever the record count. */
function sameHeap(churn: number): TraceCall[] {
  const calls: TraceCall[] = [];
  let t = 0;
  for (let i = 0; i < LIVE_BLOCKS; i++) calls.push({ thread: 0, op: 'malloc', ptr: 0x7f0000000000 + i * 0x100000, size: BLOCK_BYTES, t_ns: ++t * 100 });
  for (let i = 0; i < churn; i++) {
    calls.push({ thread: 0, op: 'malloc', ptr: 0x7e0000000000, size: 16, t_ns: ++t * 100 });
    calls.push({ thread: 0, op: 'free', ptr: 0x7e0000000000, size: 0, t_ns: ++t * 100 });
  }
  return calls;
}

const small = writeTrace(dir, 'small', sameHeap(0));
const big = writeTrace(dir, 'big', sameHeap(CHURN_PAIRS));
const NO_ORIGINAL = { peak_rss_bytes: null, allocator: null };

function replayed(file: string, env: Record<string, string>): { doc: ReplayResult; metrics: Record<string, number> } {
  const r = spawnSync(nativeTool('tracereplay'), ['--trace', file, '--snapshot-ms', '0', '--cpus', '0'], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const doc = ReplayResultSchema.parse(JSON.parse(r.stdout));
  assert.equal(doc.fidelity.match, true);
  return { doc, metrics: replayMetrics(doc, NO_ORIGINAL as never) };
}

const metric = (m: Record<string, number>, name: string): number => {
  const v = m[name];
  assert.ok(v !== undefined, `${name} reported`);
  return v;
};

describe('tracereplay: RSS net of the replayer\'s own memory', () => {
  for (const allocator of ['glibc', 'jemalloc'] as const) {
    it(`${allocator}: 800k more records move gross RSS and RSS above the baseline by the tables, rss_minus_replayer by under 1 MiB`, () => {
      const lib = allocator === 'glibc' ? undefined : debianLibraryPath(allocator);
      if (allocator !== 'glibc') assert.ok(lib, `${allocator} library installed`);
      const env: Record<string, string> = lib === undefined ? {} : { LD_PRELOAD: lib };
      const a = replayed(small, env);
      const b = replayed(big, env);
      assert.equal(a.doc.fidelity.recorded.peak_live_bytes, LIVE_BLOCKS * BLOCK_BYTES);
      assert.equal(b.doc.fidelity.recorded.peak_live_bytes, LIVE_BLOCKS * BLOCK_BYTES + 16, 'the churn adds one 16-byte object at a time');
      // The plan's ops (48 B each) are written before the baseline: all of them resident then.
      const planBytes = b.doc.fidelity.recorded.ops * 48;
      assert.ok(b.doc.memory.replayer_resident_bytes_at_baseline >= planBytes - 4096, `own resident at baseline ${b.doc.memory.replayer_resident_bytes_at_baseline} < plan ${planBytes}`);
      const end = b.doc.memory.after_end[0];
      assert.ok(end !== undefined);
      // The shared tables are written during the replay: own resident grows past the baseline's, within what is mapped.
      assert.ok(end.replayer_resident_bytes > b.doc.memory.replayer_resident_bytes_at_baseline + 8 * MiB, `own resident ${end.replayer_resident_bytes}`);
      assert.ok(end.replayer_resident_bytes <= b.doc.memory.replayer_bytes + 64 * 4096, `own resident ${end.replayer_resident_bytes} > mapped ${b.doc.memory.replayer_bytes}`);

      const gross = metric(b.metrics, 'rss_bytes_at_0ms') - metric(a.metrics, 'rss_bytes_at_0ms');
      const above = metric(b.metrics, 'rss_above_baseline_bytes_at_0ms') - metric(a.metrics, 'rss_above_baseline_bytes_at_0ms');
      const net = metric(b.metrics, 'rss_minus_replayer_bytes_at_0ms') - metric(a.metrics, 'rss_minus_replayer_bytes_at_0ms');
      const peakNet = metric(b.metrics, 'peak_rss_minus_replayer_bytes') - metric(a.metrics, 'peak_rss_minus_replayer_bytes');
      assert.ok(gross > 40 * MiB, `gross RSS difference ${gross}`);
      assert.ok(above > 8 * MiB, `RSS-above-baseline difference ${above}: the tables written during the replay`);
      assert.ok(Math.abs(net) < MiB, `rss_minus_replayer difference ${net} (gross ${gross}, above baseline ${above})`);
      assert.ok(Math.abs(peakNet) < MiB, `peak_rss_minus_replayer difference ${peakNet}`);
      // The live heap is in it: 16 MiB written page by page.
      for (const r of [a, b]) assert.ok(metric(r.metrics, 'rss_minus_replayer_bytes_at_0ms') > LIVE_BLOCKS * BLOCK_BYTES, 'the live heap counted');
      for (const r of [a, b]) assert.ok(metric(r.metrics, 'peak_rss_minus_replayer_bytes') >= metric(r.metrics, 'rss_minus_replayer_bytes_at_0ms') - 64 * 1024, 'the peak covers the last reading');
    });
  }

  it('jemalloc thp:always: its huge pages made resident before the first call count in rss_minus_replayer (higher than the defaults, as in redis-server)', () => {
    const lib = debianLibraryPath('jemalloc');
    assert.ok(lib, 'jemalloc library installed');
    const plain = replayed(small, { LD_PRELOAD: lib });
    const thp = replayed(small, { LD_PRELOAD: lib, MALLOC_CONF: 'thp:always' });
    assert.equal(thp.doc.allocator.options?.['thp'], 'always', 'the option was read back');
    const startUp = thp.doc.memory.baseline_rss_bytes - plain.doc.memory.baseline_rss_bytes;
    const net = metric(thp.metrics, 'rss_minus_replayer_bytes_at_0ms') - metric(plain.metrics, 'rss_minus_replayer_bytes_at_0ms');
    // At least one 2 MiB huge page more, resident before the first replayed call and still after the last.
    assert.ok(startUp >= 2 * MiB, `thp:always baseline RSS higher by ${startUp} only`);
    assert.ok(net >= 2 * MiB, `thp:always rss_minus_replayer higher by ${net} only (baseline higher by ${startUp})`);
  });
});
