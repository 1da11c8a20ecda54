import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffCpuStat, mergeCpuLoads, parseProcStat, pickCpus, sampleCpuStat, stealPctOn } from '../../src/sys/cpu-stat.js';

// user nice system idle iowait irq softirq steal guest guest_nice
const BEFORE = `cpu  1000 0 500 8000 100 0 0 400 50 0
cpu0 500 0 250 4000 50 0 0 200 25 0
cpu1 500 0 250 4000 50 0 0 200 25 0
intr 12345
ctxt 999
`;
const AFTER = `cpu  1100 0 540 8200 110 0 0 450 60 0
cpu0 190 0 40 4100 50 0 0 220 25 0
cpu1 700 0 290 4100 60 0 0 230 35 0
`;

test('parseProcStat reads the aggregate and per-CPU lines, ignoring guest fields', () => {
  const s = parseProcStat(BEFORE, 5);
  assert.equal(s.taken_at_ms, 5);
  assert.deepEqual(s.aggregate, { user: 1000, nice: 0, system: 500, idle: 8000, iowait: 100, irq: 0, softirq: 0, steal: 400 });
  assert.deepEqual(Object.keys(s.per_cpu), ['cpu0', 'cpu1']);
  assert.throws(() => parseProcStat('intr 1\n'), /aggregate/);
});

test('diffCpuStat: steal share of aggregate ticks, busy = total - idle - iowait per CPU', () => {
  const load = diffCpuStat(parseProcStat(BEFORE, 0), parseProcStat(AFTER, 1000));
  // aggregate deltas: user 100, system 40, idle 200, iowait 10, steal 50 -> total 400
  assert.equal(load.steal_pct, 12.5);
  assert.equal(load.elapsed_ms, 1000);
  // cpu1: user 200 system 40 idle 100 iowait 10 steal 30 -> total 380, busy 270
  assert.ok(Math.abs((load.cpu_busy_pct['cpu1'] ?? -1) - (100 * 270) / 380) < 1e-9);
  assert.ok(Math.abs((load.cpu_steal_pct['cpu1'] ?? -1) - (100 * 30) / 380) < 1e-9);
  // cpu0's user counter went backwards (e.g. a wrapped counter): clamped to 0, never negative.
  const cpu0 = load.cpu_busy_pct['cpu0'] ?? -1;
  assert.ok(cpu0 >= 0 && cpu0 <= 100);
  assert.deepEqual(pickCpus(load.cpu_busy_pct, [1, 7]), { cpu1: load.cpu_busy_pct['cpu1'] });
});

test('diffCpuStat of identical samples is all zeros, not NaN', () => {
  const s = parseProcStat(BEFORE);
  const load = diffCpuStat(s, s);
  assert.equal(load.steal_pct, 0);
  assert.equal(load.cpu_busy_pct['cpu0'], 0);
});

const times = fc.record({
  user: fc.nat(1000), nice: fc.nat(1000), system: fc.nat(1000), idle: fc.nat(1000),
  iowait: fc.nat(1000), irq: fc.nat(1000), softirq: fc.nat(1000), steal: fc.nat(1000),
});

test('merging the loads of consecutive intervals equals the load of the whole interval', () => {
  fc.assert(
    fc.property(fc.array(times, { minLength: 2, maxLength: 6 }), (steps) => {
      const samples = [{ taken_at_ms: 0, aggregate: { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 }, per_cpu: {} as Record<string, (typeof steps)[number]> }];
      samples[0]!.per_cpu['cpu0'] = samples[0]!.aggregate;
      for (const inc of steps) {
        const prev = samples[samples.length - 1]!;
        const next = { ...prev.aggregate };
        for (const k of Object.keys(inc) as (keyof typeof inc)[]) next[k] += inc[k];
        samples.push({ taken_at_ms: prev.taken_at_ms + 10, aggregate: next, per_cpu: { cpu0: next } });
      }
      const parts = samples.slice(1).map((s, i) => diffCpuStat(samples[i]!, s));
      const merged = mergeCpuLoads(parts);
      const whole = diffCpuStat(samples[0]!, samples[samples.length - 1]!);
      assert.ok(Math.abs(merged.steal_pct - whole.steal_pct) < 1e-9);
      assert.ok(Math.abs((merged.cpu_busy_pct['cpu0'] ?? 0) - (whole.cpu_busy_pct['cpu0'] ?? 0)) < 1e-9);
      assert.equal(merged.elapsed_ms, whole.elapsed_ms);
      assert.ok(merged.steal_pct >= 0 && merged.steal_pct <= 100);
    }),
  );
});

test('sampleCpuStat reads this machine: one line per online CPU, busy share within 0-100', async () => {
  const a = sampleCpuStat();
  const spinUntil = performance.now() + 50;
  while (performance.now() < spinUntil) {
    // Burn CPU so that at least one core shows busy ticks.
  }
  await new Promise((r) => setTimeout(r, 20));
  const load = diffCpuStat(a, sampleCpuStat());
  assert.ok(Object.keys(a.per_cpu).length >= 1);
  assert.ok(load.elapsed_ms >= 50);
  const busy = Object.values(load.cpu_busy_pct);
  assert.ok(busy.every((v) => v >= 0 && v <= 100));
  assert.ok(busy.some((v) => v > 0), `no busy ticks at all: ${JSON.stringify(load.cpu_busy_pct)}`);
});

test('stealPctOn counts only the listed CPUs, falling back to the aggregate', () => {
  const load = diffCpuStat(parseProcStat(BEFORE, 0), parseProcStat(AFTER, 1000));
  assert.ok(Math.abs(stealPctOn(load, [1]) - (100 * 30) / 380) < 1e-9);
  assert.equal(stealPctOn(load, [9]), load.steal_pct);
});
