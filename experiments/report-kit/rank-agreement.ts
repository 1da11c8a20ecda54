/**
 * For experiments that measure configs outside a campaign, replay against program (#20,
 * experiments/command-trace/run.ts): the environment and run context a worker would give a config,
 * and Spearman's rho of per-config means with its bootstrap interval (src/stats/rank-correlation.ts,
 * as experiments/redis-trace/ranking.ts uses it).
 */
import type { Config } from '../../src/core/config.js';
import type { SearchSpace } from '../../src/core/search-space.js';
import { completeConfig, encodeConfig } from '../../src/spaces/index.js';
import { spearmanInterval, type RankCorrelation } from '../../src/stats/rank-correlation.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';

export const SAFE_PATH = '/usr/local/bin:/usr/bin:/bin';

export const mean = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;

/** `rho [low, high]`, two decimals. */
export const rhoText = (r: RankCorrelation): string => `${r.rho.toFixed(2)} [${r.low.toFixed(2)}, ${r.high.toFixed(2)}]`;

/** The environment a worker starts a target with for `knobs` (only those encoded), the allocator preloaded. */
export function configEnv(space: SearchSpace, knobs: Readonly<Config>): Record<string, string> {
  const encoded = encodeConfig(space, completeConfig(space, knobs), { only: new Set(Object.keys(knobs)) });
  return withPreload(space, encoded.env);
}

/** A job's allocator variables (a trial record's `env`) as the worker runs them: PATH and the allocator's library added. */
export function withPreload(space: SearchSpace, env: Readonly<Record<string, string>>): Record<string, string> {
  const preload = encodeConfig(space, completeConfig(space, {})).preload;
  return { ...env, PATH: SAFE_PATH, ...(preload ? { LD_PRELOAD: preload } : {}) };
}

/** The run context of one measurement, as a worker pinned to `cpus` would give it. */
export function runContext(space: SearchSpace, env: Record<string, string>, o: { cpus: string; clientCpus: string; seed: number }): RunContext {
  return { env, allocator: space.allocator, definition: space, cpus: o.cpus, clientCpus: o.clientCpus, seed: o.seed, phaseTimeoutMs: 300_000 };
}

/** Spearman's rho of two ways of measuring the same configs (one mean per config each), with its 95 % bootstrap interval. */
export function rankAgreement(x: readonly number[], y: readonly number[], seed: number): RankCorrelation {
  return spearmanInterval(x, y, { seed });
}
