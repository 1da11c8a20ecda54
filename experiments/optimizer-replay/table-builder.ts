/**
 * Builds a replay table from real harness runs: the space's defaults (row 0, the baseline) plus a
 * quasi-random design of configs, each measured `repeats` times. Repeats are interleaved (every
 * config once, in a shuffled order, then again) so drift on the shared VM spreads over all rows.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Config } from '../../src/core/config.js';
import type { AbsoluteConstraintSpec as ConstraintSpec, ObjectiveSpec } from '../../src/core/optimizer-observation.js';
import type { ReplayTableInput } from '../../src/core/replay-table.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import type { SpaceOverridesInput } from '../../src/core/search-space.js';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { RandomSampler } from '../../src/optimizer/samplers/random.js';
import { createEmbedding, defaultConfig, encodeConfig, loadSpace, type AllocatorName } from '../../src/spaces/index.js';
import { harnessMetrics } from '../../workers/runners/harness-runner.js';

/** What to measure and how. */
export interface TablePreset {
  allocator: AllocatorName;
  overrides: SpaceOverridesInput;
  workload: string;
  args: Record<string, string | number>;
  cpus: string;
  rows: number;
  repeats: number;
  /** Metrics kept per sample (plus steal_pct). */
  metrics: string[];
  objective: ObjectiveSpec;
  /** Constraints; a function of the baseline row's means when they are relative to the defaults. */
  constraints: (baselineMeans: Record<string, number>) => ConstraintSpec[];
  seed: number;
  out: string;
}

function means(samples: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(samples[0] ?? {})) out[key] = samples.reduce((a, s) => a + (s[key] ?? 0), 0) / samples.length;
  return out;
}

/** Runs the preset and writes the table to `preset.out`; returns it. */
export async function buildTable(preset: TablePreset, log: (line: string) => void): Promise<ReplayTableInput> {
  const space = loadSpace(preset.allocator, preset.overrides);
  const embedding = createEmbedding(space);
  const configs: Config[] = [defaultConfig(space)];
  const seen = new Set([JSON.stringify(configs[0])]);
  const design = new RandomSampler({ dimension: embedding.dimension, snap: (v) => embedding.snap(v), objective: preset.objective, constraints: [] }, preset.seed);
  while (configs.length < preset.rows) {
    const [v] = design.nextDesign(1);
    const config = embedding.fromVector(v as number[]);
    const key = JSON.stringify(config);
    if (seen.has(key)) continue;
    seen.add(key);
    configs.push(config);
  }
  const samples: Record<string, number>[][] = configs.map(() => []);
  const failures: { row: number; error: string }[] = [];
  const rng = new SeededRng(preset.seed);
  const started = Date.now();
  for (let rep = 0; rep < preset.repeats; rep++) {
    const order = rng.shuffle(configs.map((_, i) => i));
    for (const row of order) {
      const encoded = encodeConfig(space, configs[row] as Config);
      const env: Record<string, string> = { ...encoded.env, ...(encoded.preload ? { LD_PRELOAD: encoded.preload } : {}) };
      const outcome = await runAllocbench({ workload: preset.workload, args: preset.args, env, cpus: preset.cpus });
      if (!outcome.ok) {
        failures.push({ row, error: outcome.error.message });
        continue;
      }
      // Snapshot metrics are keyed by the requested offset (rss_bytes_at_500ms), whatever time was reached.
      const flat = harnessMetrics(outcome.result);
      const sample: Record<string, number> = { steal_pct: outcome.result.system.steal_pct };
      for (const m of preset.metrics) {
        const v = flat[m];
        if (v !== undefined) sample[m] = v;
      }
      (samples[row] as Record<string, number>[]).push(sample);
    }
    log(`repeat ${rep + 1}/${preset.repeats} done after ${Math.round((Date.now() - started) / 1000)} s (${failures.length} failures)`);
  }
  const kept = configs.map((config, i) => ({ config, samples: samples[i] as Record<string, number>[] })).filter((r) => r.samples.length > 0);
  const baselineMeans = means(kept[0]?.samples ?? []);
  const table: ReplayTableInput = {
    space: { allocator: preset.allocator, overrides: preset.overrides },
    objective: preset.objective,
    constraints: preset.constraints(baselineMeans),
    baseline_row: 0,
    provenance: {
      tool: 'allocbench',
      workload: preset.workload,
      args: preset.args,
      cpus: preset.cpus,
      repeats: preset.repeats,
      design_seed: preset.seed,
      host: { hostname: os.hostname(), cpus: os.cpus().length, kernel: os.release() },
      measured_at: new Date().toISOString(),
      duration_s: Math.round((Date.now() - started) / 1000),
      failures,
      baseline_means: baselineMeans,
    },
    rows: kept,
  };
  writeFileSync(preset.out, `${JSON.stringify(table, null, 1)}\n`);
  return table;
}
