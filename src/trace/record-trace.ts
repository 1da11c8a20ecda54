import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AlloctuneError } from '../core/alloctune-error.js';
import { RunstatSchema, type RunstatResult } from '../core/runstat-result.js';
import { TRACE_FILE_SUFFIX, TraceNameSchema } from '../core/trace-name.js';
import { TRACE_SIDECAR_SCHEMA, TraceSidecarSchema, type TraceFileFacts, type TraceSidecar } from '../core/trace-sidecar.js';
import { guardedSpawn, type GuardedProcess } from '../proc/guarded-spawn.js';
import { nativeTool } from '../proc/repo-paths.js';
import { readTrace } from './trace-reader.js';

/** The tracer library (native/tracer/alloc-tracer.c). */
export const TRACER_LIBRARY = nativeTool('liballoctune-tracer.so');

/** Variables the tracer reads; set here only, never taken from the caller's environment. */
const TRACER_VARIABLES = ['ALLOCTUNE_TRACE_FILE', 'ALLOCTUNE_TRACE_FOLLOW_FORKS', 'ALLOCTUNE_TRACE_FOLLOW_EXEC'] as const;

/** Variables that steer an allocator, recorded in the sidecar as the allocator environment. */
const ALLOCATOR_VARIABLE = /^(LD_PRELOAD|MALLOC_.*|_RJEM_MALLOC_CONF|GLIBC_TUNABLES|MIMALLOC_.*|TCMALLOC_.*|JEMALLOC_.*|HAKMEM_.*)$/;

/** The variables of `env` that steer an allocator, sorted, with `preload` as LD_PRELOAD. */
export function allocatorEnvironment(env: Readonly<Record<string, string>>, preload: string): Record<string, string> {
  return Object.fromEntries(
    [...Object.entries(env), ['LD_PRELOAD', preload] as [string, string]].filter(([k]) => ALLOCATOR_VARIABLE.test(k)).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** `env` without LD_PRELOAD and the tracer's variables: what the program gets besides them. */
export function programEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'LD_PRELOAD' && !(TRACER_VARIABLES as readonly string[]).includes(e[0])),
  );
}

/** Writes the sidecar NAME.json of `sidecar.name` into `dir`. */
export function writeSidecar(dir: string, sidecar: TraceSidecar): void {
  writeFileSync(join(dir, `${sidecar.name}${TRACE_FILE_SUFFIX.sidecar}`), `${JSON.stringify(sidecar, null, 2)}\n`);
}

/** `env` runs the program with the tracer's variables: runstat itself, which waits for it, is not traced. */
const ENV_PROGRAM = '/usr/bin/env';

export interface RecordTraceOptions {
  name: string;
  dir: string;
  /** Absolute path of the program (see resolveCommand). */
  command: string;
  args: readonly string[];
  /** Allocator name for the sidecar, and the library to preload after the tracer (undefined: none). */
  allocator?: string | undefined;
  allocatorLibrary?: string | undefined;
  followForks: boolean;
  followExec: boolean;
  /** The program's environment (LD_PRELOAD in it is kept, after the tracer and the allocator). */
  env: NodeJS.ProcessEnv;
  inheritOutput?: boolean;
  /** Kill the program after this long (absent: no limit). */
  timeoutMs?: number;
  /** Called once the program runs, e.g. to forward signals. */
  onSpawn?: (child: GuardedProcess) => void;
}

export interface RecordedTrace {
  sidecar: TraceSidecar;
  runstat: RunstatResult;
  stdout: string;
  stderr: string;
  /** Followed children whose trace is not valid (e.g. killed before exit), with the reason. */
  childProblems: string[];
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function facts(name: string, file: string): Promise<TraceFileFacts> {
  const t = readTrace(file);
  return { name, records: t.records, threads: t.threads.length, bytes: t.bytes, sha256: await sha256(file) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Trace files of followed children of NAME: NAME.<pid>.trace or NAME.<pid>-<n>.trace. */
function childTraceNames(dir: string, name: string, since_ms: number): string[] {
  const pattern = new RegExp(`^(${escapeRegExp(name)}\\.\\d+(?:-\\d+)?)${escapeRegExp(TRACE_FILE_SUFFIX.trace)}$`);
  return readdirSync(dir)
    .map((f) => pattern.exec(f)?.[1])
    .filter((n): n is string => n !== undefined && TraceNameSchema.safeParse(n).success)
    .filter((n) => statSync(join(dir, `${n}${TRACE_FILE_SUFFIX.trace}`)).mtimeMs >= since_ms)
    .sort();
}

/** Removes what an earlier recording of NAME left (its trace, sidecar and the children its sidecar lists). */
function removeEarlier(dir: string, name: string): void {
  const sidecar = join(dir, `${name}${TRACE_FILE_SUFFIX.sidecar}`);
  if (existsSync(sidecar)) {
    try {
      const old = TraceSidecarSchema.safeParse(JSON.parse(readFileSync(sidecar, 'utf8')));
      if (old.success) for (const c of old.data.children) rmSync(join(dir, `${c.name}${TRACE_FILE_SUFFIX.trace}`), { force: true });
    } catch {
      // Not a sidecar of ours: only the two files of NAME are replaced.
    }
  }
  rmSync(sidecar, { force: true });
  rmSync(join(dir, `${name}${TRACE_FILE_SUFFIX.trace}`), { force: true });
}

function describeExit(r: RunstatResult): string {
  return r.signal !== null ? `was killed by signal ${r.signal}` : `exited with status ${String(r.exit_code)}`;
}

/**
 * Runs a program under the tracer (no shell: runstat -> env -> the program), waits for it, validates
 * the trace and writes the sidecar NAME.json. Peak RSS and wall time come from runstat's wait4().
 */
export async function recordTrace(o: RecordTraceOptions): Promise<RecordedTrace> {
  if (o.command.includes('=')) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'CMD', reason: `${o.command.slice(0, 200)}: a program path with '=' cannot be run through env(1)` });
  }
  if (!existsSync(TRACER_LIBRARY)) throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `${TRACER_LIBRARY} is not built: run make -C native` });
  mkdirSync(o.dir, { recursive: true });
  removeEarlier(o.dir, o.name);
  const tracePath = join(o.dir, `${o.name}${TRACE_FILE_SUFFIX.trace}`);
  const own = programEnvironment(o.env);
  const preload = [TRACER_LIBRARY, o.allocatorLibrary, o.env['LD_PRELOAD']].filter((p): p is string => p !== undefined && p !== '').join(':');
  const assignments: Record<string, string> = { LD_PRELOAD: preload, ALLOCTUNE_TRACE_FILE: tracePath };
  if (o.followForks) assignments['ALLOCTUNE_TRACE_FOLLOW_FORKS'] = '1';
  if (o.followExec) assignments['ALLOCTUNE_TRACE_FOLLOW_EXEC'] = '1';
  const scratch = mkdtempSync(join(tmpdir(), 'alloctune-trace-'));
  const doc = join(scratch, 'runstat.json');
  const startedMs = Date.now() - 1000; // file mtimes have coarse granularity on some filesystems
  const recordedAt = new Date().toISOString();
  try {
    const child = guardedSpawn(
      nativeTool('runstat'),
      ['--out', doc, '--', ENV_PROGRAM, ...Object.entries(assignments).map(([k, v]) => `${k}=${v}`), o.command, ...o.args],
      { env: own, deathSignal: 'TERM', inheritOutput: o.inheritOutput ?? false, ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) },
    );
    o.onSpawn?.(child);
    const outcome = await child.done;
    if (outcome.spawnError !== undefined) throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `cannot start runstat: ${outcome.spawnError}` });
    if (!existsSync(doc) || outcome.exitCode !== 0) {
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `runstat failed (exit ${String(outcome.exitCode)}): ${outcome.stderr.trim().slice(-300)}` });
    }
    const runstat = RunstatSchema.parse(JSON.parse(readFileSync(doc, 'utf8')));
    if (!existsSync(tracePath)) {
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', {
        reason: `${o.command} ${describeExit(runstat)} and wrote no trace: it did not load the tracer (statically linked, setuid, or it clears LD_PRELOAD)`,
      });
    }
    let trace: TraceFileFacts;
    try {
      trace = await facts(o.name, tracePath);
    } catch (err) {
      if (err instanceof AlloctuneError && err.code === 'ALLOCTUNE_ERR_TRACE_INVALID') {
        const p = err.params;
        // SIGKILL (or a signal the tracer does not handle, or one that landed mid-record: FORMAT.md) ends the program with the file unfinished.
        const why = runstat.signal !== null ? `the program was killed by signal ${runstat.signal} before the tracer could finish the file` : `the program ${describeExit(runstat)}`;
        throw new AlloctuneError('ALLOCTUNE_ERR_TRACE_INVALID', { file: String(p['file']), offset: String(p['offset']), reason: `${String(p['reason'])}; ${why}` });
      }
      throw err;
    }
    const children: TraceFileFacts[] = [];
    const childProblems: string[] = [];
    if (o.followForks || o.followExec) {
      for (const n of childTraceNames(o.dir, o.name, startedMs)) {
        try {
          children.push(await facts(n, join(o.dir, `${n}${TRACE_FILE_SUFFIX.trace}`)));
        } catch (err) {
          childProblems.push(`${n}: ${(err as Error).message}`);
        }
      }
    }
    const allocatorEnv = allocatorEnvironment(own, preload);
    const sidecar = TraceSidecarSchema.parse({
      schema: TRACE_SIDECAR_SCHEMA,
      name: o.name,
      recorded_at: recordedAt,
      command: [o.command, ...o.args],
      exit_code: runstat.exit_code,
      signal: runstat.signal,
      wall_ms: runstat.wall_ms,
      peak_rss_kb: Math.round(runstat.max_rss_bytes / 1024),
      allocator: o.allocator ?? null,
      allocator_env: allocatorEnv,
      follow_forks: o.followForks,
      follow_exec: o.followExec,
      trace,
      children,
      references: {},
      reference_problems: {},
    } satisfies TraceSidecar);
    writeSidecar(o.dir, sidecar);
    return { sidecar, runstat, stdout: outcome.stdout, stderr: outcome.stderr, childProblems };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
