import { AlloctuneError } from '../src/core/alloctune-error.js';
import { runGuarded } from '../src/proc/guarded-spawn.js';
import { nativeTool } from '../src/proc/repo-paths.js';
import { medianOf } from '../src/stats/robust-center.js';

/** Probes timed when a gate is calibrated; their median is the reference. */
const CALIBRATION_PROBES = 5;
const PROBE_TIMEOUT_MS = 10_000;

/**
 * The interference gate beyond CPU steal: `native/build/spinprobe` (a fixed spin loop, ~15 ms) timed
 * on the target CPUs before and after each measurement. A co-tenant runnable on those CPUs (which
 * the hypervisor does not count as steal: the placebo's p99 [335.9, 42.0, 34.0] us came with steal
 * 0) takes time slices from the loop, so the probe runs slower than the worker's calibrated
 * reference by about the share of the CPU someone else had.
 */
export class InterferenceGate {
  private constructor(
    private readonly cpus: string,
    /** Median wall time of the calibration probes, ns. */
    readonly reference_ns: number,
  ) {}

  /** Times the probe `CALIBRATION_PROBES` times on `cpus`; the median is the undisturbed reference. */
  static async calibrate(cpus: string): Promise<InterferenceGate> {
    const times: number[] = [];
    for (let i = 0; i < CALIBRATION_PROBES; i++) times.push(await probeNs(cpus));
    return new InterferenceGate(cpus, medianOf(times));
  }

  /** One probe's wall time, ns. */
  probe(): Promise<number> {
    return probeNs(this.cpus);
  }

  /** How much slower than the reference a probe ran, in percent (0 when faster). */
  slowdownPct(probeNs: number): number {
    return Math.max(0, 100 * (probeNs / this.reference_ns - 1));
  }
}

async function probeNs(cpus: string): Promise<number> {
  const outcome = await runGuarded(nativeTool('spinprobe'), ['--cpus', cpus], { env: {}, timeoutMs: PROBE_TIMEOUT_MS });
  const total = outcome.exitCode === 0 ? (JSON.parse(outcome.stdout) as { total_ns?: unknown }).total_ns : undefined;
  if (typeof total !== 'number' || !(total > 0)) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `spinprobe on CPUs ${cpus} failed (exit ${String(outcome.exitCode)}${outcome.spawnError ? `, ${outcome.spawnError}` : ''}): ${outcome.stderr.trim().slice(0, 200)}` });
  }
  return total;
}
