import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlloctuneError } from '../core/alloctune-error.js';
import { RunstatSchema } from '../core/runstat-result.js';
import type { TraceReference, TraceSidecar } from '../core/trace-sidecar.js';
import { probeRequestFor } from '../harness/probe-request.js';
import { runAllocbench } from '../harness/run-allocbench.js';
import { guardedSpawn, type GuardedProcess } from '../proc/guarded-spawn.js';
import { nativeTool } from '../proc/repo-paths.js';
import { allocatorDefinition, resolvePreloadLibrary } from '../spaces/index.js';
import { checkRecordedIdentity, withIdentityRecorder } from '../../workers/runners/serving-identity-file.js';
import { allocatorEnvironment, programEnvironment, writeSidecar } from './record-trace.js';

export interface ReferenceRunOptions {
  /** Absolute path of the program, then its arguments (as recorded). */
  command: string;
  args: readonly string[];
  /** A name of the allocator registry; its library is preloaded before the caller's LD_PRELOAD. */
  allocator: string;
  /** The program's environment, as for the recording (LD_PRELOAD in it is kept, after the allocator). */
  env: NodeJS.ProcessEnv;
  /** The recording's exit status: a run that ends otherwise did other work and is no reference. */
  expected?: { exit_code: number | null; signal: number | null };
  timeoutMs?: number;
  inheritOutput?: boolean;
  /** Called once the program runs, e.g. to drive a server's load or forward signals. */
  onSpawn?: (child: GuardedProcess) => void;
}

export interface ReferenceRun {
  reference: TraceReference;
  stdout: string;
  stderr: string;
}

function status(r: { exit_code: number | null; signal: number | null }): string {
  return r.signal !== null ? `killed by signal ${r.signal}` : `exit status ${String(r.exit_code)}`;
}

/** The version `allocbench --probe` reads back through `env`'s LD_PRELOAD (null when the probe cannot say). */
async function probedVersion(allocator: string, env: Record<string, string>): Promise<string | null> {
  const definition = allocatorDefinition(allocator);
  const probed = await runAllocbench({ workload: null, env, identity: probeRequestFor(definition), complaints: definition.complaints });
  return probed.ok ? probed.result.allocator.version : null;
}

/**
 * Runs the recorded program once, untraced, under `allocator` (runstat -> the program, no shell), with
 * the identity recorder preloaded last: its peak RSS, wall and CPU time come from wait4(), the object
 * that served malloc() from the recorder (ALLOCTUNE_ERR_WRONG_ALLOCATOR when it is not `allocator`'s),
 * the version from the harness probe through the same LD_PRELOAD.
 */
export async function runReference(o: ReferenceRunOptions): Promise<ReferenceRun> {
  const definition = allocatorDefinition(o.allocator);
  const library = resolvePreloadLibrary(definition);
  const own = programEnvironment(o.env);
  const preload = [library, o.env['LD_PRELOAD']].filter((p): p is string => p !== undefined && p !== '').join(':');
  const scratch = mkdtempSync(join(tmpdir(), 'alloctune-reference-'));
  const target = `reference run of ${o.command} under ${o.allocator}`;
  try {
    const recorded = withIdentityRecorder({ ...own, ...(preload === '' ? {} : { LD_PRELOAD: preload }) }, scratch, definition);
    const doc = join(scratch, 'runstat.json');
    const ranAt = new Date().toISOString();
    const child = guardedSpawn(nativeTool('runstat'), ['--out', doc, '--', o.command, ...o.args], {
      env: recorded.env,
      deathSignal: 'TERM',
      inheritOutput: o.inheritOutput ?? false,
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    });
    o.onSpawn?.(child);
    const outcome = await child.done;
    if (outcome.spawnError !== undefined) throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `cannot start runstat: ${outcome.spawnError}` });
    if (outcome.timedOut) throw new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target, timeout_ms: o.timeoutMs ?? 0 });
    if (outcome.exitCode !== 0) throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `runstat failed (exit ${String(outcome.exitCode)}): ${outcome.stderr.trim().slice(-300)}` });
    const run = RunstatSchema.parse(JSON.parse(readFileSync(doc, 'utf8')));
    let servedBy: string | null;
    try {
      servedBy = await checkRecordedIdentity(recorded.file, o.allocator, definition, o.command);
    } catch (err) {
      // A program linked with its own allocator (Debian's redis-server: jemalloc) keeps it when nothing is preloaded.
      if (library === undefined && err instanceof AlloctuneError && err.code === 'ALLOCTUNE_ERR_WRONG_ALLOCATOR') {
        throw new AlloctuneError('ALLOCTUNE_ERR_WRONG_ALLOCATOR', {
          expected: o.allocator,
          actual: `${String(err.params['actual'])}; ${o.allocator} preloads no library, so a program linked with another allocator keeps it (putting the C library first, LD_PRELOAD=/lib/x86_64-linux-gnu/libc.so.6 in the program's environment, makes glibc's malloc serve it)`,
        });
      }
      throw err;
    }
    if (o.expected !== undefined && (run.exit_code !== o.expected.exit_code || run.signal !== o.expected.signal)) {
      throw new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target, reason: `ended with ${status(run)}, the recording with ${status(o.expected)}: it did other work than the trace` });
    }
    const allocatorEnv = allocatorEnvironment(own, preload);
    const version = await probedVersion(o.allocator, { PATH: own['PATH'] ?? '/usr/bin:/bin', ...allocatorEnv });
    return {
      reference: {
        ran_at: ranAt,
        exit_code: run.exit_code,
        signal: run.signal,
        wall_ms: run.wall_ms,
        user_ms: run.user_ms,
        sys_ms: run.sys_ms,
        peak_rss_kb: Math.round(run.max_rss_bytes / 1024),
        allocator_env: allocatorEnv,
        served_by: servedBy,
        version,
      },
      stdout: outcome.stdout,
      stderr: outcome.stderr,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface RecordReferencesOptions extends Omit<ReferenceRunOptions, 'allocator' | 'expected' | 'onSpawn'> {
  /** Trace directory holding the recording's sidecar. */
  dir: string;
  sidecar: TraceSidecar;
  /** Registry names, run in this order. */
  allocators: readonly string[];
  onSpawn?: (allocator: string, child: GuardedProcess) => void;
  /** Called before each run (e.g. to remove a database the previous run created). */
  beforeRun?: (allocator: string) => Promise<void> | void;
}

/**
 * The reference runs of a recording, one per allocator, written into its sidecar (schema version 2)
 * as each ends, so that an interrupted series keeps the runs done. A run that fails is recorded in
 * `reference_problems` with its reason and the others still run.
 */
export async function recordReferences(o: RecordReferencesOptions): Promise<TraceSidecar> {
  let sidecar = o.sidecar;
  for (const allocator of o.allocators) {
    await o.beforeRun?.(allocator);
    const { [allocator]: _stale, ...problems } = sidecar.reference_problems;
    try {
      const run = await runReference({
        ...o,
        allocator,
        expected: { exit_code: sidecar.exit_code, signal: sidecar.signal },
        onSpawn: (child) => o.onSpawn?.(allocator, child),
      });
      sidecar = { ...sidecar, references: { ...sidecar.references, [allocator]: run.reference }, reference_problems: problems };
    } catch (err) {
      if (!(err instanceof AlloctuneError)) throw err;
      const { [allocator]: _dropped, ...references } = sidecar.references;
      sidecar = { ...sidecar, references, reference_problems: { ...problems, [allocator]: err.message } };
    }
    writeSidecar(o.dir, sidecar);
  }
  return sidecar;
}
