import { HarnessListSchema, type HarnessList } from '../core/harness-list.js';
import { runGuarded } from '../proc/guarded-spawn.js';
import { nativeTool } from '../proc/repo-paths.js';

/** The harness's description, or why it could not be read (no build on this host, bad output). */
export type HarnessListOutcome = { ok: true; list: HarnessList } | { ok: false; reason: string };

const cache = new Map<string, Promise<HarnessListOutcome>>();

async function readOnce(binary: string): Promise<HarnessListOutcome> {
  const outcome = await runGuarded(binary, ['--list'], { env: {}, timeoutMs: 10_000 });
  if (outcome.spawnError !== undefined) return { ok: false, reason: `cannot start ${binary}: ${outcome.spawnError}` };
  if (outcome.exitCode !== 0) return { ok: false, reason: `${binary} --list exited with ${outcome.exitCode ?? outcome.signal}` };
  try {
    const parsed = HarnessListSchema.safeParse(JSON.parse(outcome.stdout));
    return parsed.success ? { ok: true, list: parsed.data } : { ok: false, reason: `${binary} --list: ${parsed.error.issues[0]?.message ?? 'schema mismatch'}` };
  } catch (err) {
    return { ok: false, reason: `${binary} --list: not JSON: ${(err as Error).message}` };
  }
}

/**
 * What `allocbench --list` says the harness accepts (the service host builds the same harness as
 * its workers, `make -C native`). Read once per binary and process: the harness does not change
 * while the service runs. A failed read is not cached, so a harness built later is picked up.
 */
export function readHarnessList(binary = nativeTool('allocbench')): Promise<HarnessListOutcome> {
  let pending = cache.get(binary);
  if (!pending) {
    pending = readOnce(binary).then((outcome) => {
      if (!outcome.ok) cache.delete(binary);
      return outcome;
    });
    cache.set(binary, pending);
  }
  return pending;
}
