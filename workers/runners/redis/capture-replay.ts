import { AlloctuneError } from '../../../src/core/alloctune-error.js';
import { runGuarded } from '../../../src/proc/guarded-spawn.js';
import type { BenchmarkTarget } from './redis-benchmark.js';

/** What `redis-cli --pipe` says about one replay. */
export interface CaptureReplay {
  replies: number;
  /** Replies that were errors: a capture with errors is reported as such, never hidden. */
  errors: number;
  /** The first error replies redis-cli printed, as evidence. */
  first_errors: string[];
}

const FIRST_ERRORS = 5;

/** Parses the summary `redis-cli --pipe` prints last on stdout (`errors: N, replies: M`); the error replies go to stderr. */
export function parsePipeSummary(stdout: string, stderr: string): CaptureReplay | undefined {
  const m = /^errors: (\d+), replies: (\d+)\s*$/m.exec(stdout);
  if (!m) return undefined;
  const firstErrors = stderr
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, FIRST_ERRORS)
    .map((l) => l.slice(0, 200));
  return { errors: Number(m[1]), replies: Number(m[2]), first_errors: firstErrors };
}

/**
 * Sends a RESP capture file to the server with `redis-cli --pipe` (pinned like the load generators,
 * in their clean environment). `file` is a path TraceDir resolved; it is read by redis-cli as stdin,
 * never named on a command line. redis-cli exits 1 when some replies were errors: that is a result.
 */
export async function replayCapture(target: BenchmarkTarget, cliPath: string, file: string): Promise<CaptureReplay> {
  const outcome = await runGuarded('taskset', ['-c', target.clientCpus, cliPath, '-h', '127.0.0.1', '-p', String(target.port), '--pipe'], {
    env: target.env,
    timeoutMs: target.timeoutMs,
    stdinFile: file,
    maxOutputBytes: 1024 * 1024,
  });
  if (outcome.timedOut) throw new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target: 'redis-cli --pipe (capture)', timeout_ms: target.timeoutMs });
  const summary = outcome.spawnError === undefined ? parsePipeSummary(outcome.stdout, outcome.stderr) : undefined;
  if (summary === undefined || (outcome.exitCode !== 0 && summary.errors === 0)) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', {
      reason: `redis-cli --pipe (capture) failed (${outcome.spawnError ?? `exit ${outcome.exitCode ?? outcome.signal}`}): ${(outcome.stderr + outcome.stdout).trim().slice(-300)}`,
    });
  }
  return summary;
}
