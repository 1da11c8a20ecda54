#!/usr/bin/env node
// `npm run bench`: every benchmark of the project, one after the other (they measure, so they must not
// overlap). Each prints its figures and writes them to files under experiments/. Pass names to run a
// subset: `npm run bench -- service worker`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FRAG_TABLE = 'experiments/optimizer-replay/tables/jemalloc-fragmentation-timeavg.json';
const MIXED_TABLE = 'experiments/optimizer-replay/tables/jemalloc-mixed-lifetimes.json';

/** CLI args of one replay benchmark (the settings of the committed results). */
const replay = (table, samplers, seeds) => ['src/cli/main.ts', 'bench', 'optimizer', '--table', table, '--sampler', samplers, '--seeds', String(seeds), '--budget', '100', '--json'];

/** name -> [script or CLI args, what it checks]. */
const BENCHES = {
  'harness-sampling-glibc': [['experiments/harness-baseline/sampling-overhead.ts', 'glibc'], 'harness throughput with latency sampling on vs off (goal: within 10%)'],
  'harness-sampling-jemalloc': [['experiments/harness-baseline/sampling-overhead.ts', 'jemalloc'], 'same under jemalloc'],
  worker: [['experiments/worker-overhead/measure-overhead.ts', '--trials', '40'], 'per-trial overhead of queue + worker (goal: < 100 ms)'],
  'optimizer-proposal': [['experiments/optimizer-replay/proposal-time.ts'], 'one GP proposal at 300-10,000 observations, 10 dimensions, exact vs training subset (goal: <= 200 ms at 2,000, <= 1 s at 10,000)'],
  'optimizer-replay-fragmentation': [replay(FRAG_TABLE, 'random,gp', 100), 'GP vs random trials-to-target, placebo false-win rate, stopping rule (goal: GP median <= half of random)'],
  'optimizer-replay-mixed': [replay(MIXED_TABLE, 'random,gp', 100), 'same on the multi-threaded table'],
  'optimizer-ensemble-fragmentation': [replay(FRAG_TABLE, 'ensemble', 20), 'TF.js ensemble on the same table (~5-10 min: pure-JS backend)'],
  'optimizer-ensemble-mixed': [replay(MIXED_TABLE, 'ensemble', 20), 'same on the multi-threaded table'],
  'optimizer-summary': [['experiments/optimizer-replay/summarise-results.ts'], 'regenerates experiments/optimizer-replay/README-results.md'],
  service: [['experiments/service-bench/bench-service.ts'], 'leaderboard GET with 2,000 trials (goal p99 <= 20 ms), 200 SSE clients'],
  'redis-trial-cost': [['experiments/redis-runner/trial-cost.ts', '2'], 'time of a default-size Redis trial by phase'],
  'hostile-input': [['experiments/hostile-input/run.ts', '--per-category', '60', '--seed', '1'], 'generated bad requests against the service (goal: 0 5xx, every 4xx naming the field, nothing stored)'],
};

const wanted = process.argv.slice(2);
const selected = Object.entries(BENCHES).filter(([name]) => wanted.length === 0 || wanted.some((w) => name.includes(w)));
if (selected.length === 0) {
  console.error(`run-benches: nothing matches ${wanted.join(' ')}; benchmarks: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const outcomes = [];
for (const [name, [args, what]] of selected) {
  console.log(`\n=== ${name}: ${what}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: 'inherit' });
  outcomes.push([name, run.status === 0 ? 'ok' : `exit ${run.status}`, Math.round((Date.now() - started) / 1000)]);
}
console.log('\n=== summary');
for (const [name, status, seconds] of outcomes) console.log(`${name.padEnd(32)} ${status.padEnd(8)} ${seconds} s`);
process.exit(outcomes.every(([, status]) => status === 'ok') ? 0 : 1);
