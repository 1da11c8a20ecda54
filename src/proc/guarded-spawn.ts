import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { nativeTool } from './repo-paths.js';

/** Signal the child receives when this Node process dies (through `spawn-guard`). */
export type DeathSignal = 'TERM' | 'KILL' | 'INT';

export interface GuardedSpawnOptions {
  /** Complete environment of the child; nothing is inherited implicitly (but the test-run marker, see below). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the whole process group after this many milliseconds (0 or absent: no limit). */
  timeoutMs?: number;
  /** Signal delivered if this process dies first; default KILL. */
  deathSignal?: DeathSignal;
  /** Keep at most this many bytes of stdout and of stderr (default 16 MiB each). */
  maxOutputBytes?: number;
  /** Data written to the child's stdin, which is then closed; absent: stdin is /dev/null. */
  stdin?: string;
  /** A file the child reads as its stdin, byte for byte (e.g. a RESP capture); excludes `stdin`. */
  stdinFile?: string;
  /** Inherit stdout/stderr instead of capturing them. */
  inheritOutput?: boolean;
  /** Aborting kills the whole process group (SIGKILL); the outcome then says `aborted`. */
  signal?: AbortSignal;
}

/** How a guarded child ended. */
export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The caller's AbortSignal fired before the child ended, and the group was killed. */
  aborted: boolean;
  durationMs: number;
  /** Set when the program could not be started at all (ENOENT, EACCES ...). */
  spawnError?: string;
}

export interface GuardedProcess {
  child: ChildProcess;
  pid: number;
  /** Settles when the child and its process group leader have exited; never rejects. */
  done: Promise<ProcessOutcome>;
  /** SIGKILL (or `signal`) to the whole process group; safe to call more than once. */
  kill(signal?: NodeJS.Signals): void;
}

const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * Marks every process of one test run (set by scripts/run-tests.mjs, which then looks for survivors
 * carrying it in /proc/PID/environ). Children here get a complete environment chosen by the caller
 * (targets a fixed one), so the marker would be lost; it is the one variable passed on, and only when
 * this process carries it. Marking at the single spawn point covers every target, server and probe
 * without a list of process names, and no process outside the run can carry the run's random id.
 */
const TEST_RUN_MARKER = 'ALLOCTUNE_TEST_RUN';

function withTestRunMarker(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const marker = process.env[TEST_RUN_MARKER];
  return marker === undefined ? env : { ...env, [TEST_RUN_MARKER]: marker };
}

function appendCapped(chunks: Buffer[], size: { bytes: number }, chunk: Buffer, max: number): void {
  if (size.bytes >= max) return;
  const room = max - size.bytes;
  const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
  chunks.push(part);
  size.bytes += part.length;
}

/**
 * Spawn `program` with no shell, as the leader of a new process group, wrapped in `spawn-guard`
 * (when built) so it dies with this process. Arguments are passed as an array and never parsed.
 */
export function guardedSpawn(program: string, args: readonly string[], options: GuardedSpawnOptions): GuardedProcess {
  const guard = nativeTool('spawn-guard');
  const useGuard = existsSync(guard);
  const file = useGuard ? guard : program;
  const argv = useGuard
    ? ['--parent', String(process.pid), '--signal', options.deathSignal ?? 'KILL', '--', program, ...args]
    : [...args];
  const started = performance.now();
  // The child gets its own copy of the descriptor; ours is closed as soon as it is spawned.
  const stdinFd = options.stdinFile === undefined ? undefined : openSync(options.stdinFile, 'r');
  let child: ChildProcess;
  try {
    child = spawn(file, argv, {
      env: withTestRunMarker(options.env),
      cwd: options.cwd,
      detached: true,
      stdio: [stdinFd ?? (options.stdin === undefined ? 'ignore' : 'pipe'), options.inheritOutput ? 'inherit' : 'pipe', options.inheritOutput ? 'inherit' : 'pipe'],
    });
  } finally {
    if (stdinFd !== undefined) closeSync(stdinFd);
  }
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const outSize = { bytes: 0 };
  const errSize = { bytes: 0 };
  child.stdout?.on('data', (c: Buffer) => appendCapped(out, outSize, c, max));
  child.stderr?.on('data', (c: Buffer) => appendCapped(err, errSize, c, max));
  if (options.stdin !== undefined && child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin);
  }

  let exited = false;
  const kill = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };

  let timedOut = false;
  const timer =
    options.timeoutMs && options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;

  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    kill('SIGKILL');
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const done = new Promise<ProcessOutcome>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (e) => {
      spawnError = e.message;
    });
    child.on('close', (exitCode, signal) => {
      exited = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // Helpers the target left in its group (e.g. a forked child) go with it.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // No such group: nothing left behind.
        }
      }
      const outcome: ProcessOutcome = {
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        aborted,
        durationMs: performance.now() - started,
      };
      if (spawnError !== undefined) outcome.spawnError = spawnError;
      resolve(outcome);
    });
  });

  return { child, pid: child.pid ?? -1, done, kill };
}

/** Run to completion; shorthand for `guardedSpawn(...).done`. */
export function runGuarded(program: string, args: readonly string[], options: GuardedSpawnOptions): Promise<ProcessOutcome> {
  return guardedSpawn(program, args, options).done;
}
