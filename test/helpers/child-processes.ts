import { guardedSpawn, type GuardedProcess } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

/** A CLI process of this checkout (`node --import tsx src/cli/main.ts ...`) with its stderr kept. */
export interface CliProcess {
  proc: GuardedProcess;
  log: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
}

/** Start `alloctune <args>` from the source tree; it dies with the test process. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const proc = guardedSpawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, ALLOCTUNE_TEST: '1', ...env },
    cwd: REPO_ROOT,
    deathSignal: 'KILL',
  });
  let text = '';
  proc.child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  proc.child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  return {
    proc,
    log: () => text,
    stop: async (graceMs = 10_000) => {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await proc.done;
      clearTimeout(timer);
    },
  };
}

/** More of a test worker's command line (`--spaces DIR`, `--config FILE`) and environment. */
export interface TestWorkerExtras {
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** Start `alloctune worker` pinned to `cpus` with quick stalled-job settings for tests. */
export function startWorker(redisUrl: string, name: string, cpus = '1', clientCpus = '0', extras: TestWorkerExtras = {}): CliProcess {
  return startCli(['worker', '--redis', redisUrl, '--name', name, '--cpus', cpus, '--client-cpus', clientCpus,
    '--lock-ms', '4000', '--stalled-ms', '2000', '--heartbeat-ms', '500', ...(extras.args ?? [])], extras.env);
}

/** Poll `probe` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, logs: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
