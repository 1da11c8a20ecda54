import { AlloctuneError } from '../../../src/core/alloctune-error.js';
import { RttProbeResultSchema, type RttProbeResult } from '../../../src/core/rttprobe-result.js';
import { runGuarded } from '../../../src/proc/guarded-spawn.js';
import { nativeTool } from '../../../src/proc/repo-paths.js';

export interface RttProbeOptions {
  port: number;
  host?: string;
  requests: number;
  warmup?: number;
  value_bytes: number;
  keys?: number;
  op?: 'mixed' | 'set' | 'get';
  /** CPU list the probe pins itself to. */
  cpus?: string;
  timeout_ms: number;
  /** Probe executable; default native/build/rttprobe. */
  probePath?: string;
}

/** Runs native/rttprobe once and returns its validated JSON document. */
export async function runRttProbe(options: RttProbeOptions): Promise<RttProbeResult> {
  const args = [
    '--host', options.host ?? '127.0.0.1',
    '--port', String(options.port),
    '--requests', String(options.requests),
    '--warmup', String(options.warmup ?? Math.min(1000, options.requests)),
    '--value-bytes', String(options.value_bytes),
    '--keys', String(options.keys ?? 1000),
    '--op', options.op ?? 'mixed',
  ];
  if (options.cpus !== undefined) args.push('--cpus', options.cpus);
  const outcome = await runGuarded(options.probePath ?? nativeTool('rttprobe'), args, {
    env: {},
    timeoutMs: options.timeout_ms,
    maxOutputBytes: 64 * 1024,
  });
  if (outcome.timedOut) throw new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target: 'rttprobe', timeout_ms: options.timeout_ms });
  if (outcome.spawnError !== undefined || outcome.exitCode !== 0) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', {
      reason: `rttprobe failed (${outcome.spawnError ?? `exit ${outcome.exitCode ?? outcome.signal}`}): ${outcome.stderr.trim().slice(0, 300)}`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(outcome.stdout);
  } catch (e) {
    throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target: 'rttprobe', reason: (e as Error).message });
  }
  const result = RttProbeResultSchema.safeParse(parsed);
  if (!result.success) throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target: 'rttprobe', reason: result.error.message.slice(0, 300) });
  return result.data;
}
