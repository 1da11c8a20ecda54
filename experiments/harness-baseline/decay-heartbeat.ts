/**
 * Experiment (not a test): why the fragmentation workload keeps an allocation heartbeat while it waits.
 * jemalloc under the fragmentation workload (32 MiB filled, 75 % freed) with dirty_decay_ms default /
 * 0 / 1000, each with the heartbeat (1 ms) and idle (--heartbeat-us 0), interleaved, RSS at +0/+1/+2 s.
 * Raw documents: decay-heartbeat.jsonl; table: decay-heartbeat.md.
 * Run: npx tsx experiments/harness-baseline/decay-heartbeat.ts [rounds=2]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { allocatorEnv, median } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] ?? 2);
const jsonl = join(here, 'decay-heartbeat.jsonl');
const CONFS = ['', 'dirty_decay_ms:0', 'dirty_decay_ms:1000'];
const HEARTBEATS = [1000, 0];
const OFFSETS = [0, 1000, 2000];

rmSync(jsonl, { force: true });
const cells = new Map<string, number[][]>();
for (let round = 0; round < rounds; round++) {
  for (const conf of CONFS) {
    for (const heartbeat of HEARTBEATS) {
      const args = { 'target-mb': 32, 'snapshot-ms': OFFSETS.join(','), 'heartbeat-us': heartbeat };
      const out = await runAllocbench({ workload: 'fragmentation', args, env: { ...allocatorEnv('jemalloc'), MALLOC_CONF: conf } });
      if (!out.ok) throw new Error(out.error.message);
      writeFileSync(jsonl, `${JSON.stringify({ round, conf, heartbeat_us: heartbeat, result: out.result })}\n`, { flag: 'a' });
      const rss = out.result.memory.snapshots.filter((s) => s.phase === 'after_free').map((s) => s.rss_bytes / 1024 / 1024);
      const key = `${conf || '(default 10000)'}|${heartbeat}`;
      cells.set(key, [...(cells.get(key) ?? []), rss]);
    }
  }
}
const lines = [
  `jemalloc 5.3.0, fragmentation workload (32 MiB filled, 75 % freed scattered), median RSS MiB of ${rounds} interleaved runs. Generated ${new Date().toISOString()}.`,
  '',
  '| MALLOC_CONF | heartbeat | +0 s | +1 s | +2 s |',
  '|---|---|---:|---:|---:|',
  ...[...cells].map(([key, runs]) => {
    const [conf, heartbeat] = key.split('|');
    const cols = OFFSETS.map((_, i) => median(runs.map((r) => r[i] ?? NaN)).toFixed(1));
    return `| ${conf} | ${heartbeat === '0' ? 'idle (sleep)' : `every ${heartbeat} us`} | ${cols.join(' | ')} |`;
  }),
  '',
];
writeFileSync(join(here, 'decay-heartbeat.md'), lines.join('\n'));
console.log(lines.join('\n'));
