import { readFileSync } from 'node:fs';

/** The first eight fields of a `/proc/stat` cpu line, in clock ticks (USER_HZ). */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** One reading of `/proc/stat`: the aggregate `cpu` line and every `cpuN` line. */
export interface CpuStatSample {
  /** `performance.now()` when the file was read. */
  taken_at_ms: number;
  aggregate: CpuTimes;
  /** Keyed `cpu0`, `cpu1`, ... */
  per_cpu: Record<string, CpuTimes>;
}

/** CPU use between two samples: ticks elapsed and the shares derived from them. */
export interface CpuLoad {
  elapsed_ms: number;
  /** Steal share of all CPUs' ticks (aggregate line), 0-100. */
  steal_pct: number;
  /** (total - idle - iowait) / total per CPU, 0-100; keyed `cpuN`. */
  cpu_busy_pct: Record<string, number>;
  /** Steal share of each CPU's ticks, 0-100; keyed `cpuN`. */
  cpu_steal_pct: Record<string, number>;
  /** Raw tick deltas, kept so that loads of several phases can be merged exactly. */
  ticks: { aggregate: CpuTimes; per_cpu: Record<string, CpuTimes> };
}

const FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

function zeroTimes(): CpuTimes {
  return { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
}

function mapTimes(a: CpuTimes, b: CpuTimes, f: (x: number, y: number) => number): CpuTimes {
  const out = zeroTimes();
  for (const k of FIELDS) out[k] = f(a[k], b[k]);
  return out;
}

/** user..steal; guest time is already counted in user and nice, so it is left out. */
function totalTicks(t: CpuTimes): number {
  return FIELDS.reduce((sum, k) => sum + t[k], 0);
}

function pct(part: number, whole: number): number {
  return whole > 0 ? Math.min(100, Math.max(0, (100 * part) / whole)) : 0;
}

/** Parses the text of `/proc/stat` (only its cpu lines matter). */
export function parseProcStat(text: string, takenAtMs = 0): CpuStatSample {
  let aggregate: CpuTimes | undefined;
  const perCpu: Record<string, CpuTimes> = {};
  for (const line of text.split('\n')) {
    const m = /^(cpu\d*)\s+(.*)$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    const values = m[2].trim().split(/\s+/).map(Number);
    const times = zeroTimes();
    FIELDS.forEach((k, i) => {
      const v = values[i];
      times[k] = v !== undefined && Number.isFinite(v) ? v : 0;
    });
    if (m[1] === 'cpu') aggregate = times;
    else perCpu[m[1]] = times;
  }
  if (aggregate === undefined) throw new Error('no aggregate cpu line in /proc/stat');
  return { taken_at_ms: takenAtMs, aggregate, per_cpu: perCpu };
}

/** Reads `/proc/stat` now. */
export function sampleCpuStat(path = '/proc/stat'): CpuStatSample {
  return parseProcStat(readFileSync(path, 'utf8'), performance.now());
}

function loadFromTicks(elapsedMs: number, aggregate: CpuTimes, perCpu: Record<string, CpuTimes>): CpuLoad {
  const busy: Record<string, number> = {};
  const steal: Record<string, number> = {};
  for (const [cpu, t] of Object.entries(perCpu)) {
    const total = totalTicks(t);
    busy[cpu] = pct(total - t.idle - t.iowait, total);
    steal[cpu] = pct(t.steal, total);
  }
  return {
    elapsed_ms: elapsedMs,
    steal_pct: pct(aggregate.steal, totalTicks(aggregate)),
    cpu_busy_pct: busy,
    cpu_steal_pct: steal,
    ticks: { aggregate, per_cpu: perCpu },
  };
}

/**
 * CPU use from sample `a` to the later sample `b`. A CPU missing from either sample (hot-unplugged)
 * is left out; counters that went backwards count as 0.
 */
export function diffCpuStat(a: CpuStatSample, b: CpuStatSample): CpuLoad {
  const nonNegative = (x: number, y: number): number => Math.max(0, y - x);
  const perCpu: Record<string, CpuTimes> = {};
  for (const [cpu, later] of Object.entries(b.per_cpu)) {
    const earlier = a.per_cpu[cpu];
    if (earlier !== undefined) perCpu[cpu] = mapTimes(earlier, later, nonNegative);
  }
  return loadFromTicks(Math.max(0, b.taken_at_ms - a.taken_at_ms), mapTimes(a.aggregate, b.aggregate, nonNegative), perCpu);
}

/** The load of several disjoint intervals taken together (ticks summed, shares recomputed). */
export function mergeCpuLoads(loads: readonly CpuLoad[]): CpuLoad {
  let aggregate = zeroTimes();
  const perCpu: Record<string, CpuTimes> = {};
  let elapsed = 0;
  for (const load of loads) {
    elapsed += load.elapsed_ms;
    aggregate = mapTimes(aggregate, load.ticks.aggregate, (x, y) => x + y);
    for (const [cpu, t] of Object.entries(load.ticks.per_cpu)) {
      perCpu[cpu] = mapTimes(perCpu[cpu] ?? zeroTimes(), t, (x, y) => x + y);
    }
  }
  return loadFromTicks(elapsed, aggregate, perCpu);
}

/** Only the given CPUs' entries of a per-CPU record, keyed `cpuN` (e.g. the worker's CPU sets). */
export function pickCpus(values: Record<string, number>, cpus: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cpus) {
    const v = values[`cpu${c}`];
    if (v !== undefined) out[`cpu${c}`] = v;
  }
  return out;
}

/**
 * Steal share of the given CPUs' own ticks (where a measurement ran); the aggregate steal share
 * when none of them appear in the load.
 */
export function stealPctOn(load: CpuLoad, cpus: readonly number[]): number {
  let steal = 0;
  let total = 0;
  for (const c of cpus) {
    const t = load.ticks.per_cpu[`cpu${c}`];
    if (t === undefined) continue;
    steal += t.steal;
    total += totalTicks(t);
  }
  return total > 0 ? pct(steal, total) : load.steal_pct;
}
