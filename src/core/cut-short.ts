import { z } from 'zod';
import { MetricNameSchema } from './optimizer-observation.js';

/**
 * Cutting a clearly bad exploration trial short (issue 19, "cheaper exploration"). The service
 * works out absolute limits from what the campaign has measured (src/service/cut-short-rule.ts);
 * the worker only compares: after `after_repeats` kept repeats, a trial whose mean over those
 * repeats lies beyond any limit stops there. The job carries numbers and summary keys only.
 */

/** A finite number (zod's number already refuses NaN and infinities; the refine says why in the 400). */
const Finite = z.number().refine(Number.isFinite, 'a finite number');

/** One limit of the cut rule in a job: the mean of the first repeats of `metric` beyond it cuts the trial. */
export const CutLimitSchema = z.union([
  z.strictObject({
    metric: MetricNameSchema,
    /** Cut when the mean of the first repeats is above this (a metric to minimise, or a `max` constraint). */
    above: Finite,
    /** Sd of one repeat on the log scale the limit was derived from (recorded with the cut; the sampler's noise for the observation). */
    log_sd: z.number().min(0).max(10),
  }),
  z.strictObject({
    metric: MetricNameSchema,
    /** Cut when the mean of the first repeats is below this (a metric to maximise, or a `min` constraint). */
    below: Finite,
    log_sd: z.number().min(0).max(10),
  }),
]);
export type CutLimit = z.infer<typeof CutLimitSchema>;

/** The cut rule as a job carries it. `after_repeats` must be below the job's repeats (checked with the job). */
export const CutShortJobSchema = z.strictObject({
  after_repeats: z.number().int().min(1).max(99),
  limits: z.array(CutLimitSchema).min(1).max(9),
});
export type CutShortJob = z.infer<typeof CutShortJobSchema>;

/** What a cut trial records: after how many of how many repeats, on which limit, and why (one line). */
export const CutShortRecordSchema = z.object({
  after_repeats: z.number().int().min(1),
  of_repeats: z.number().int().min(1),
  metric: z.string(),
  /** Mean of the measured repeats of `metric`. */
  value: z.number(),
  limit: z.number(),
  side: z.enum(['above', 'below']),
  log_sd: z.number(),
  /** The per-repeat log sd of every limited metric (the sampler's noise for this trial's short observation). */
  log_sds: z.record(z.string(), z.number()).default({}),
  reason: z.string(),
});
export type CutShortRecord = z.infer<typeof CutShortRecordSchema>;

/** Per-key values of the measured repeats (summary keys `<label>.<metric>`). */
export type RepeatValues = Readonly<Record<string, readonly number[]>>;

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function formatNumber(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}

/**
 * The worker's decision after `measured` repeats: the first limit the mean of those repeats lies
 * beyond, as the record of the cut; undefined to go on (not yet at `after_repeats`, past it, a metric
 * not measured, or every limit met). Pure: the same numbers always give the same answer.
 */
export function cutShortDecision(rule: CutShortJob, values: RepeatValues, measured: number, ofRepeats: number): CutShortRecord | undefined {
  if (measured !== rule.after_repeats || measured >= ofRepeats) return undefined;
  for (const limit of rule.limits) {
    const list = (values[limit.metric] ?? []).filter(Number.isFinite);
    if (list.length !== measured) continue;
    const value = mean(list);
    const side = 'above' in limit ? 'above' : 'below';
    const bound = 'above' in limit ? limit.above : limit.below;
    const beyond = side === 'above' ? value > bound : value < bound;
    if (!beyond) continue;
    const what = measured === 1 ? 'its first repeat' : `the mean of its first ${measured} repeats`;
    return {
      after_repeats: measured,
      of_repeats: ofRepeats,
      metric: limit.metric,
      value,
      limit: bound,
      side,
      log_sd: limit.log_sd,
      log_sds: Object.fromEntries(rule.limits.map((l) => [l.metric, l.log_sd])),
      reason: `${limit.metric} ${formatNumber(value)} ${side === 'above' ? '>' : '<'} cut limit ${formatNumber(bound)} (${what})`,
    };
  }
  return undefined;
}

/** The one-line note the leaderboard, CSV and events show for a cut trial: "cut after 1 of 3 repeats: ...". */
export function cutShortNote(cut: Pick<CutShortRecord, 'after_repeats' | 'of_repeats' | 'reason'>): string {
  return `cut after ${cut.after_repeats} of ${cut.of_repeats} repeats: ${cut.reason}`;
}
