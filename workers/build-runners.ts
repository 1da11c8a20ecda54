import { CommandRunner } from './runners/command-runner.js';
import { HarnessRunner } from './runners/harness-runner.js';
import { createRedisRunner } from './runners/redis-runner.js';
import type { RunnerSet } from './trial-executor.js';
import type { WorkerConfig } from './worker-config.js';

/** The runners of a worker configured by `config`; `allocatorVersions` come from the host probe. */
export function buildRunners(config: WorkerConfig, allocatorVersions: Readonly<Record<string, string>> = {}): RunnerSet {
  return {
    harness: new HarnessRunner(),
    redis: createRedisRunner(config.redis_server === undefined ? {} : { serverPath: config.redis_server }),
    command: new CommandRunner(config.commands, allocatorVersions),
  };
}
