import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { nativeTool, REPO_ROOT } from '../../src/proc/repo-paths.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

interface Check {
  name: string;
  count: number;
  max: number;
  points: { p: number; exact: number; reported: number }[];
}

let checks: Check[] = [];

before(async () => {
  const made = await runGuarded('make', ['-C', `${REPO_ROOT}/native`, 'check-tools'], { env, timeoutMs: 120_000 });
  assert.equal(made.exitCode, 0, made.stderr);
  const out = await runGuarded(nativeTool('histogram-check'), [], { env, timeoutMs: 60_000 });
  assert.equal(out.exitCode, 0, out.stderr);
  checks = JSON.parse(out.stdout) as Check[];
});

test('the histogram keeps every percentile within 1/128 of the exact value, never below it, from 10 ns to 10 s', () => {
  assert.equal(checks.length, 3);
  for (const c of checks) {
    assert.equal(c.count, 200_000, c.name);
    for (const { p, exact, reported } of c.points) {
      const label = `${c.name} p${p}: exact ${exact}, reported ${reported}`;
      // Highest equivalent value of the bucket: at or above the exact rank value, within one bucket width.
      assert.ok(reported >= exact, label);
      assert.ok(reported - exact <= Math.max(1, exact / 128), label);
    }
    assert.equal(c.points.find((x) => x.p === 100)?.reported, c.max, `${c.name}: p100 is the exact max`);
  }
});

test('values below 256 ns are recorded exactly', () => {
  const uniform = checks.find((c) => c.name === 'uniform-10-200ns');
  assert.ok(uniform);
  for (const { exact, reported } of uniform.points) assert.equal(reported, exact);
});

test('a rare millisecond tail shows in p99.99 but not in p99, after merging two histograms', () => {
  const tail = checks.find((c) => c.name === 'fast-with-rare-ms-tail');
  assert.ok(tail);
  const at = (p: number): number => tail.points.find((x) => x.p === p)?.reported ?? NaN;
  assert.ok(at(99) < 100, `p99 ${at(99)}`);
  assert.ok(at(99.99) >= 1_000_000, `p99.99 ${at(99.99)}`);
});
