import { AlloctuneError } from '../core/alloctune-error.js';
import { HarnessResultSchema, type HarnessResult } from '../core/harness-result.js';
import { runGuarded, type ProcessOutcome } from '../proc/guarded-spawn.js';
import { nativeTool } from '../proc/repo-paths.js';
import type { ComplaintPattern } from '../core/search-space.js';
import { findAllocatorComplaints } from './allocator-complaints.js';

/** How to run `native/build/allocbench` once. */
export interface RunAllocbenchOptions {
  /** Workload name (see `allocbench --list`); null runs `--probe` (allocator identity only). */
  workload: string | null;
  /** Extra flags as `--key value`, e.g. `{ threads: 2, 'duration-ms': 500, 'max-size': 4096 }`. */
  args?: Record<string, string | number>;
  /** Complete environment of the harness, including MALLOC_CONF / LD_PRELOAD / GLIBC_TUNABLES. */
  env: Record<string, string>;
  /** CPU list (`0`, `0-1`, `0,2`) the workload threads are pinned to. */
  cpus?: string;
  /** Process-group kill after this long; default 10 s for a probe, duration-ms + 60 s for a workload. */
  timeoutMs?: number;
  /** Harness binary; default `native/build/allocbench` (tests pass the sanitizer build). */
  binary?: string;
  /** Aborting kills the harness; the caller decides what an aborted run means. */
  signal?: AbortSignal;
  /** What the probe is asked about the serving allocator (from its definition file). */
  identity?: ProbeRequest;
  /** stderr patterns of a rejected config; default every loaded definition's. */
  complaints?: readonly ComplaintPattern[];
}

/** The probe's identity questions: symbols to look for, read-back and version functions. */
export interface ProbeRequest {
  symbols?: readonly string[];
  optionsSymbol?: string;
  versionSymbol?: string;
}

/** A harness run either yields a validated document or a catalogue error; stderr is always kept. */
export type AllocbenchOutcome =
  | { ok: true; result: HarnessResult; stderr: string; durationMs: number }
  | { ok: false; error: AlloctuneError; stderr: string; durationMs: number };

const FLAG = /^[a-z][a-z0-9-]*$/;
const RESERVED_FLAGS = new Set(['workload', 'probe', 'list', 'help', 'cpus', 'identity-symbols', 'options-symbol', 'version-symbol']);
const TARGET = 'allocbench';

function buildArgv(opts: RunAllocbenchOptions): string[] {
  const argv = opts.workload === null ? ['--probe'] : ['--workload', opts.workload];
  if (opts.cpus !== undefined) argv.push('--cpus', opts.cpus);
  const id = opts.identity;
  if (id?.symbols !== undefined && id.symbols.length > 0) argv.push('--identity-symbols', id.symbols.join(','));
  if (id?.optionsSymbol !== undefined) argv.push('--options-symbol', id.optionsSymbol);
  if (id?.versionSymbol !== undefined) argv.push('--version-symbol', id.versionSymbol);
  for (const [key, value] of Object.entries(opts.args ?? {})) {
    if (!FLAG.test(key) || RESERVED_FLAGS.has(key)) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: `allocbench argument ${key}`, reason: 'not a workload parameter name' });
    }
    argv.push(`--${key}`, String(value));
  }
  return argv;
}

function defaultTimeoutMs(opts: RunAllocbenchOptions): number {
  if (opts.workload === null) return 10_000;
  const duration = Number(opts.args?.['duration-ms'] ?? 1000);
  return (Number.isFinite(duration) ? duration : 1000) + 60_000;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

function classify(outcome: ProcessOutcome, timeoutMs: number, binary: string, complaints: readonly ComplaintPattern[] | undefined): AlloctuneError | HarnessResult {
  if (outcome.spawnError !== undefined) {
    return new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `cannot start ${binary}: ${outcome.spawnError}` });
  }
  if (outcome.timedOut) return new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target: TARGET, timeout_ms: timeoutMs });
  // The allocator's own words beat a bare exit status: abort_conf:true ends in SIGABRT right after them.
  const found = findAllocatorComplaints(outcome.stderr, complaints);
  if (found[0] !== undefined) return new AlloctuneError('ALLOCTUNE_ERR_ALLOCATOR_REJECTED', { line: found[0].slice(0, 300) });
  if (outcome.signal !== null) return new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target: TARGET, reason: `killed by ${outcome.signal}` });
  if (outcome.exitCode === 2) {
    return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'allocbench arguments', reason: outcome.stderr.trim().split('\n')[0] ?? 'usage error' });
  }
  if (outcome.exitCode !== 0) {
    return new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target: TARGET, reason: `exited with code ${outcome.exitCode}: ${lastLine(outcome.stderr)}` });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(outcome.stdout);
  } catch (e) {
    return new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target: TARGET, reason: `not JSON: ${(e as Error).message}` });
  }
  const checked = HarnessResultSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target: TARGET, reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'schema mismatch'}` });
  }
  return checked.data;
}

/**
 * Run the native harness once with a config's environment. Never rejects: bad arguments, allocator
 * complaints on stderr, crashes, timeouts and malformed output all come back as `{ ok: false }`
 * with a catalogue error (ALLOCATOR_REJECTED quotes the allocator's own stderr line).
 */
export async function runAllocbench(opts: RunAllocbenchOptions): Promise<AllocbenchOutcome> {
  const started = performance.now();
  let argv: string[];
  try {
    argv = buildArgv(opts);
  } catch (e) {
    return { ok: false, error: e as AlloctuneError, stderr: '', durationMs: performance.now() - started };
  }
  const binary = opts.binary ?? nativeTool('allocbench');
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs(opts);
  const outcome = await runGuarded(binary, argv, { env: opts.env, timeoutMs, deathSignal: 'KILL', ...(opts.signal ? { signal: opts.signal } : {}) });
  const classified = classify(outcome, timeoutMs, binary, opts.complaints);
  const base = { stderr: outcome.stderr, durationMs: outcome.durationMs };
  return classified instanceof AlloctuneError ? { ok: false, error: classified, ...base } : { ok: true, result: classified, ...base };
}
