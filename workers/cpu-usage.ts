import { readFileSync } from 'node:fs';
import { AlloctuneError } from '../src/core/alloctune-error.js';

/** Jiffies of one `/proc/stat` cpu line: the first 8 fields (user..steal) and the idle parts. */
interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
}

/** One reading of `/proc/stat`: the aggregate line and each `cpuN` line. */
export interface CpuSnapshot {
  all: CpuTimes;
  perCpu: Map<number, CpuTimes>;
}

/** CPU steal and busy share between two snapshots. */
export interface CpuUsage {
  /** Stolen share of the listed CPUs' time (all CPUs when none are listed). */
  steal_pct: number;
  /** Busy share of each listed CPU, keyed `cpuN`. */
  cpu_busy_pct: Record<string, number>;
}

function parseLine(fields: string[]): CpuTimes {
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
  const n = fields.slice(0, 8).map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { total, idle: (n[3] ?? 0) + (n[4] ?? 0), steal: n[7] ?? 0 };
}

/** Parse the text of `/proc/stat`. */
export function parseProcStat(text: string): CpuSnapshot {
  let all: CpuTimes | undefined;
  const perCpu = new Map<number, CpuTimes>();
  for (const line of text.split('\n')) {
    const match = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!match) continue;
    const times = parseLine((match[2] ?? '').trim().split(/\s+/));
    if (match[1] === '') all = times;
    else perCpu.set(Number(match[1]), times);
  }
  if (!all) throw new AlloctuneError('ALLOCTUNE_ERR_INTERNAL', { reason: '/proc/stat has no aggregate cpu line' });
  return { all, perCpu };
}

/** Read `/proc/stat` now. */
export function readCpuSnapshot(): CpuSnapshot {
  return parseProcStat(readFileSync('/proc/stat', 'utf8'));
}

/** Expand a taskset-style CPU list ("0-2,5") into CPU numbers; throws on a malformed list. */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'cpus', reason: `'${list}' is not a CPU list like 0-2,5` });
    const lo = Number(match[1]);
    const hi = match[2] === undefined ? lo : Number(match[2]);
    if (hi < lo || hi > 4095) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'cpus', reason: `bad range in '${list}'` });
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

const pct = (part: number, whole: number): number => (whole > 0 ? Math.min(100, Math.max(0, (100 * part) / whole)) : 0);

/**
 * Steal and busy shares between `before` and `after` (reference: redis-measurement.md §3.3, steal =
 * Δsteal / Δ(user..steal)). Steal is taken over `cpus` when given, since that is where the
 * measurement ran; busy is reported per CPU.
 */
export function cpuUsageBetween(before: CpuSnapshot, after: CpuSnapshot, cpus: readonly number[] = []): CpuUsage {
  let stealDelta = 0;
  let totalDelta = 0;
  const cpu_busy_pct: Record<string, number> = {};
  for (const cpu of cpus) {
    const a = before.perCpu.get(cpu);
    const b = after.perCpu.get(cpu);
    if (!a || !b) continue;
    const total = b.total - a.total;
    stealDelta += b.steal - a.steal;
    totalDelta += total;
    cpu_busy_pct[`cpu${cpu}`] = pct(total - (b.idle - a.idle), total);
  }
  if (totalDelta <= 0) {
    stealDelta = after.all.steal - before.all.steal;
    totalDelta = after.all.total - before.all.total;
  }
  return { steal_pct: pct(stealDelta, totalDelta), cpu_busy_pct };
}

/** Start measuring the given CPUs; `stop()` returns the usage since the start. */
export function startCpuMeter(cpus: readonly number[]): { stop(): CpuUsage } {
  const before = readCpuSnapshot();
  return { stop: () => cpuUsageBetween(before, readCpuSnapshot(), cpus) };
}
