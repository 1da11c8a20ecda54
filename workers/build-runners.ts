import { CommandRunner } from './runners/command-runner.js';
import { HarnessRunner } from './runners/harness-runner.js';
import { redisServerFor } from './redis-servers.js';
import { createRedisRunner } from './runners/redis-runner.js';
import { TraceRunner } from './runners/trace-runner.js';
import { TraceDir } from './trace-dir.js';
import type { RunnerSet } from './trial-executor.js';
import type { WorkerConfig } from './worker-config.js';

/** The runners of a worker configured by `config`; `allocatorVersions` come from the host probe. */
export function buildRunners(config: WorkerConfig, allocatorVersions: Readonly<Record<string, string>> = {}): RunnerSet {
  return {
    harness: new HarnessRunner(),
    redis: createRedisRunner({ chooseServer: (allocator, base) => redisServerFor(config, allocator, base), traceDir: new TraceDir(config.traces_dir) }),
    command: new CommandRunner(config.commands, allocatorVersions),
    trace: new TraceRunner(new TraceDir(config.traces_dir)),
  };
}
