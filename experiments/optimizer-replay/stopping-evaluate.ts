/**
 * Scores stopping rules on the per-trial traces of stopping-trace.ts (issue 19), with the service's
 * own `shouldStop`: a replayed stop never changes the trajectory, so the rule's stop, whether the
 * target had been found by then and whether the pick was a target follow from the trace alone.
 *
 *   npx tsx experiments/optimizer-replay/stopping-evaluate.ts --trace A.jsonl[.gz] [--trace B.jsonl] [--grid] [--out F.json]
 *
 * Without --grid: the rule before issue 19, the first posterior rule and the default, per trace. With --grid: every rule of a
 * small grid, the ones meeting the bounds on every trace listed first (for choosing defaults
 * on tuning seeds, never on the seeds that are reported).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { ReplayTrialRecord } from '../../src/optimizer/replay/replay-campaign.js';
import { DEFAULT_STOPPING_RULE, FIRST_POSTERIOR_STOPPING_RULE, RELATIVE_EI_STOPPING_RULE, shouldStop, type StoppingRule } from '../../src/optimizer/stopping.js';

interface Trace {
  seed: number;
  dimension: number;
  records: ReplayTrialRecord[];
}

/** One rule on one trace file. */
export interface RuleScore {
  campaigns: number;
  median_stop_trials: number;
  target_found_rate: number;
  pick_target_rate: number;
  converged: number;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return ((s[Math.floor(mid)] as number) + (s[Math.ceil(mid)] as number)) / 2;
}

function stopOf(trace: Trace, rule: StoppingRule): { after: number; found: boolean; picked: boolean; converged: boolean } {
  const eis: (number | null)[] = [];
  const posteriors: ReplayTrialRecord['posterior'][] = [];
  const limit = { ...rule, max_trials: trace.records.length, max_wall_ms: Infinity };
  for (const r of trace.records) {
    eis.push(r.expected_improvement);
    posteriors.push(r.posterior);
    const decision = shouldStop(
      {
        trials: r.trial,
        elapsed_ms: 0,
        confirmed_feasible: r.incumbent !== null,
        ...(r.incumbent === null ? {} : { incumbent: r.incumbent }),
        expected_improvements: eis,
        posteriors,
        dimension: trace.dimension,
      },
      limit,
    );
    if (decision.stop) return { after: r.trial, found: r.target_found, picked: r.pick_is_target, converged: decision.reason === 'converged' };
  }
  const last = trace.records[trace.records.length - 1] as ReplayTrialRecord;
  return { after: last.trial, found: last.target_found, picked: last.pick_is_target, converged: false };
}

/** Scores `rule` over traces. */
export function scoreRule(traces: readonly Trace[], rule: StoppingRule): RuleScore {
  const stops = traces.map((t) => stopOf(t, rule));
  const rate = (f: (s: (typeof stops)[number]) => boolean): number => stops.filter(f).length / Math.max(1, stops.length);
  return {
    campaigns: traces.length,
    median_stop_trials: median(stops.map((s) => s.after)),
    target_found_rate: rate((s) => s.found),
    pick_target_rate: rate((s) => s.picked),
    converged: stops.filter((s) => s.converged).length,
  };
}

/** Trials to the first target per seed (null: not within the trace). */
function trialsToTarget(trace: Trace): number | null {
  return trace.records.find((r) => r.target_found)?.trial ?? null;
}

function readTraces(file: string): Trace[] {
  const raw = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(raw) : raw)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Trace);
}

function grid(): StoppingRule[] {
  const rules: StoppingRule[] = [];
  for (const patience of [3, 5])
    for (const base of [0, 6, 12])
      for (const perDim of [0.5, 1, 1.5, 2])
        for (const ei of [0.02, 0.03, 0.05, 0.1, 0.2])
          for (const pi of [0.05, 0.1, 0.2, 0.3, 1])
            for (const sd of [0.3, 0.5, 0.7, 1, Infinity])
              rules.push({
                ...RELATIVE_EI_STOPPING_RULE,
                patience,
                posterior: { min_trials_base: base, min_trials_per_dimension: perDim, ei_noise_fraction: ei, improvement_probability_max: pi, leader_sd_noise_fraction: sd },
              });
  return rules;
}

const { values } = parseArgs({ options: { trace: { type: 'string', multiple: true }, grid: { type: 'boolean', default: false }, out: { type: 'string' } } });
const files = values.trace ?? [];
if (files.length === 0) throw new Error('--trace is required');
const sets = files.map((f) => ({ file: basename(f), traces: readTraces(f) }));
if (values.grid) {
  const old = sets.map((s) => scoreRule(s.traces, RELATIVE_EI_STOPPING_RULE));
  const rows = grid().map((rule) => {
    const scores = sets.map((s) => scoreRule(s.traces, rule));
    const meets = scores.every((sc, i) => sc.target_found_rate >= 0.95 && sc.median_stop_trials <= 1.5 * (old[i] as RuleScore).median_stop_trials);
    return { rule: { patience: rule.patience, ...rule.posterior }, meets, worst_found: Math.min(...scores.map((s) => s.target_found_rate)), scores };
  });
  rows.sort((a, b) => Number(b.meets) - Number(a.meets) || b.worst_found - a.worst_found || (a.scores[0]?.median_stop_trials ?? 0) - (b.scores[0]?.median_stop_trials ?? 0));
  process.stdout.write(`${JSON.stringify({ relative_ei: old, best: rows.slice(0, Number(process.env['GRID_TOP'] ?? 15)) }, null, 1)}\n`);
} else {
  const report = {
    benchmark: 'stopping-rule',
    rules: { relative_ei: RELATIVE_EI_STOPPING_RULE, first_posterior: FIRST_POSTERIOR_STOPPING_RULE, posterior: DEFAULT_STOPPING_RULE },
    tables: sets.map((s) => {
      const ttt = s.traces.map(trialsToTarget);
      return {
        trace: s.file,
        seeds: s.traces.map((t) => t.seed),
        trials_per_campaign: s.traces[0]?.records.length ?? 0,
        trials_to_target_median: median(ttt.map((t) => t ?? Infinity)),
        relative_ei: scoreRule(s.traces, RELATIVE_EI_STOPPING_RULE),
        first_posterior: scoreRule(s.traces, FIRST_POSTERIOR_STOPPING_RULE),
        posterior: scoreRule(s.traces, DEFAULT_STOPPING_RULE),
      };
    }),
    command: `stopping-evaluate.ts ${process.argv.slice(2).join(' ')}`,
    measured_at: new Date().toISOString(),
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (values.out !== undefined) writeFileSync(values.out, text);
  process.stdout.write(text);
}
