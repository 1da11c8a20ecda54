import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TraceNameSchema } from '../../../core/trace-name.js';
import { TraceSidecarSchema, type TraceSidecar } from '../../../core/trace-sidecar.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../../trace/trace-reader.js';
import { traceStats, type Bucket, type LifetimeStats, type TraceStats } from '../../../trace/trace-stats.js';
import { TRACE_OPS } from '../../../trace/trace-format.js';
import { TraceDir } from '../../../../workers/trace-dir.js';
import { UsageError } from '../../usage-error.js';
import { TRACES_OPTION, TRACES_USAGE, tracesDir } from './traces-dir-option.js';

const USAGE = `usage: alloctune trace info NAME [--traces DIR] [--json]
  Validates NAME.trace and prints operations by kind, threads, the size histogram (powers of two),
  peak live bytes (requested and usable), object lifetimes (in calls and in ns) and cross-thread frees.
  ${TRACES_USAGE}
`;

function bucketLines(buckets: readonly Bucket[], unit: string): string {
  return buckets.map((b) => `    <= ${String(b.le).padStart(12)} ${unit}  ${String(b.count).padStart(10)}\n`).join('');
}

function lifetimeLine(label: string, l: LifetimeStats): string {
  return `  ${label}: ${l.objects} objects ended; p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}\n`;
}

/** The untraced reference runs (what replays are compared with), and the ones that failed. */
function referenceLines(sidecar: TraceSidecar): string[] {
  const runs = Object.entries(sidecar.references);
  const failed = Object.entries(sidecar.reference_problems);
  if (runs.length === 0 && failed.length === 0) return ['  untraced reference runs: none (trace record --reference-allocators A,B adds them)\n'];
  return [
    'untraced reference runs:\n',
    ...runs.map(
      ([a, r]) =>
        `  ${a.padEnd(10)} ${(r.version ?? 'version unknown').slice(0, 40)}: ${r.wall_ms.toFixed(0)} ms wall, ${(r.user_ms + r.sys_ms).toFixed(0)} ms CPU, peak RSS ${r.peak_rss_kb} kB, malloc() from ${r.served_by ?? '?'}\n`,
    ),
    ...failed.map(([a, why]) => `  ${a.padEnd(10)} failed: ${why.slice(0, 300)}\n`),
  ];
}

function text(name: string, trace: TraceContents, stats: TraceStats, sidecar: TraceSidecar | undefined): string {
  const argv = Array.isArray(trace.header['argv']) ? (trace.header['argv'] as unknown[]).map(String).join(' ') : '?';
  const lines = [
    `trace ${name}: ${stats.records} records in ${trace.blocks} blocks, ${stats.threads.length} threads, ${(stats.duration_ns / 1e6).toFixed(1)} ms traced\n`,
    `  pid ${String(trace.header['pid'])}: ${argv.slice(0, 300)}\n`,
  ];
  if (sidecar) {
    const status = sidecar.signal !== null ? `killed by signal ${sidecar.signal}` : `exit status ${String(sidecar.exit_code)}`;
    lines.push(`  recorded ${sidecar.recorded_at}: ${status}, ${sidecar.wall_ms.toFixed(0)} ms, peak RSS ${sidecar.peak_rss_kb} kB, allocator ${sidecar.allocator ?? '(the program\'s own)'}\n`);
    lines.push(...referenceLines(sidecar));
  }
  lines.push('operations:\n');
  for (const op of TRACE_OPS) {
    const o = stats.ops[op];
    if (o.calls > 0) lines.push(`  ${op.padEnd(15)} ${String(o.calls).padStart(10)}${o.failed > 0 ? `  (${o.failed} failed)` : ''}\n`);
  }
  lines.push('threads:\n', ...stats.threads.map((t) => `  #${t.index} tid ${t.os_tid}: ${t.records} records\n`));
  lines.push('requested sizes of allocations:\n', bucketLines(stats.size_histogram, 'B'));
  const p = stats.peak_live;
  lines.push(`peak live: ${p.requested_bytes} bytes requested (seq ${p.requested_at_seq}, ${p.objects} objects), ${p.usable_bytes} bytes usable (seq ${p.usable_at_seq})\n`);
  lines.push(`live at end: ${stats.live_at_end.objects} objects, ${stats.live_at_end.requested_bytes} bytes requested\n`);
  lines.push('lifetimes:\n', lifetimeLine('in calls', stats.lifetime_ops), lifetimeLine('in ns', stats.lifetime_ns));
  lines.push(`cross-thread frees: ${stats.cross_thread_frees}; frees of pointers allocated before tracing: ${stats.untracked_frees}; live address reuses: ${stats.live_address_reuses}\n`);
  return lines.join('');
}

/** The sidecar, when there is a valid one (a trace copied without it is still described). */
function readSidecar(dir: TraceDir, name: string): TraceSidecar | undefined {
  if (!dir.list('sidecar').includes(name)) return undefined;
  try {
    const parsed = TraceSidecarSchema.safeParse(JSON.parse(readFileSync(dir.resolve(name, 'sidecar'), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `alloctune trace info NAME`. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { ...TRACES_OPTION, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [name, extra] = positionals;
  if (name === undefined || !TraceNameSchema.safeParse(name).success) {
    throw new UsageError('trace', 'NAME', `${name === undefined ? 'missing' : `'${name.slice(0, 80)}' is not a trace name`}: [a-z0-9][a-z0-9._-]{0,63}`);
  }
  if (extra !== undefined) throw new UsageError('trace', 'arguments', `unexpected '${extra.slice(0, 80)}'`);
  const dir = new TraceDir(tracesDir(values.traces));
  const trace = readTrace(dir.resolve(name, 'trace'), { columns: true }) as TraceContents & { columns: TraceColumns };
  const stats = traceStats(trace);
  const sidecar = readSidecar(dir, name);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ name, file: trace.file, bytes: trace.bytes, blocks: trace.blocks, header: trace.header, sidecar: sidecar ?? null, stats }, null, 2)}\n`);
  } else {
    process.stdout.write(text(name, trace, stats, sidecar));
  }
  return 0;
}
