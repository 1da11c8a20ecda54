import type { CampaignSpec } from '../core/campaign-spec.js';
import type { HarnessList } from '../core/harness-list.js';
import type { InputProblem } from '../core/input-problems-error.js';
import { workloadLabel, type WorkloadSpec } from '../core/trial-job.js';
import { harnessSnapshotOffsets } from './harness-args-check.js';
import { catalogueEntry, METRIC_CATALOGUE, metricProblem } from './metric-catalogue.js';
import { redisMixFamilyNames } from './redis-mix-families.js';

const SNAPSHOT_METRIC = /_at_(\d+)ms$/;

/** Where a workload's snapshot offsets are set, as the request spells it, and the offsets it will take (undefined: not known here). */
function snapshotPlan(w: WorkloadSpec, i: number, harness: HarnessList | undefined): { field: string; offsets: number[] | undefined } | undefined {
  if (w.kind === 'redis') return { field: `workloads.${i}.options.snapshot_offsets_ms`, offsets: [...w.options.snapshot_offsets_ms] };
  if (w.kind === 'trace') return { field: `workloads.${i}.snapshot_offsets_ms`, offsets: [...w.snapshot_offsets_ms] };
  if (w.kind === 'harness') return { field: `workloads.${i}.args.snapshot-ms`, offsets: harness ? harnessSnapshotOffsets(w, harness) : undefined };
  return undefined;
}

/** The metrics a workload will report with its options: the catalogue's names, snapshot families expanded to its offsets. */
function availableMetrics(w: WorkloadSpec, i: number, harness: HarnessList | undefined): string[] {
  const offsets = snapshotPlan(w, i, harness)?.offsets;
  return METRIC_CATALOGUE.filter((e) => e.kind === w.kind && e.missingWith?.(w) === undefined).flatMap((entry) => {
    const { name } = entry;
    const mixNames = w.kind === 'redis' ? redisMixFamilyNames(entry, w.options) : undefined;
    if (mixNames !== undefined) return mixNames;
    if (!name.includes('<N>')) return [name];
    return offsets === undefined ? [name] : offsets.map((o) => name.replace('<N>', String(o)));
  });
}

function availableText(workloads: readonly WorkloadSpec[], harness: HarnessList | undefined): string {
  return workloads.map((w, i) => `${workloadLabel(w)}: ${availableMetrics(w, i, harness).join(', ')}`).join('; ');
}

/** The workload a metric name refers to (label given, or the one reporting it) and the bare name. */
function referent(metric: string, workloads: readonly WorkloadSpec[]): { index: number; name: string } | undefined {
  const dot = metric.lastIndexOf('.');
  if (dot > 0) {
    const index = workloads.findIndex((w) => workloadLabel(w) === metric.slice(0, dot));
    return index < 0 ? undefined : { index, name: metric.slice(dot + 1) };
  }
  const index = workloads.findIndex((w) => metricProblem(metric, [w]) === undefined);
  return index < 0 ? undefined : { index, name: metric };
}

/** Why a Redis workload's mix will not report a metric of a mix family (`deleted_keys_hash` with no hash delete stream), or undefined. */
function redisMixProblem(metric: string, target: { index: number; name: string }, workloads: readonly WorkloadSpec[]): string | undefined {
  const w = workloads[target.index];
  if (w?.kind !== 'redis') return undefined;
  const entry = catalogueEntry('redis', target.name);
  const names = entry === undefined ? undefined : redisMixFamilyNames(entry, w.options);
  if (entry === undefined || names === undefined || names.includes(target.name)) return undefined;
  const field = `workloads.${target.index}.options.${target.name.endsWith('_capture') ? 'capture' : 'mix'}`;
  return `'${metric}' needs what ${entry.name} stands for in ${field} (${entry.when ?? ''}); this workload reports ${names.length === 0 ? 'none of that family' : names.join(', ')}`;
}

/**
 * Every metric the spec judges by (objective, constraints, explicit guards) that its workloads will
 * not report with the options given: names no workload reports (see metric-catalogue.ts), metrics
 * whose catalogue condition the workload's options rule out (a Redis phase switched off, latency
 * sampling off, no live bytes at the end), and snapshot metrics (`rss_bytes_at_5000ms`) at an offset
 * the workload was not asked to take. Each problem lists the metrics that are available.
 */
export function metricAvailabilityProblems(spec: CampaignSpec, harness: HarnessList | undefined): InputProblem[] {
  const judged = [
    { path: 'objective.metric', metric: spec.objective.metric },
    ...spec.constraints.map((c, i) => ({ path: `constraints.${i}.metric`, metric: c.metric })),
    ...(spec.guards ?? []).map((g, i) => ({ path: `guards.${i}.metric`, metric: g.metric })),
  ];
  const problems: InputProblem[] = [];
  for (const { path, metric } of judged) {
    const problem = metricProblem(metric, spec.workloads);
    if (problem !== undefined) {
      problems.push({ path, message: `${problem}; available: ${availableText(spec.workloads, harness)}` });
      continue;
    }
    const target = referent(metric, spec.workloads);
    const mixProblem = target === undefined ? undefined : redisMixProblem(metric, target, spec.workloads);
    if (mixProblem !== undefined) {
      problems.push({ path, message: mixProblem });
      continue;
    }
    const workload = target === undefined ? undefined : spec.workloads[target.index];
    if (target === undefined || workload === undefined) continue;
    const missing = catalogueEntry(workload.kind, target.name)?.missingWith?.(workload);
    if (missing !== undefined) {
      problems.push({ path, message: `'${metric}' is not reported when ${missing.reason} (workloads.${target.index}.${missing.field}); available: ${availableText([workload], harness)}` });
      continue;
    }
    const offset = SNAPSHOT_METRIC.exec(target.name)?.[1];
    if (offset === undefined) continue;
    const plan = snapshotPlan(workload, target.index, harness);
    if (plan?.offsets === undefined || plan.offsets.includes(Number(offset))) continue;
    const taken = plan.offsets.length === 0 ? `${workloadLabel(workload)} takes no snapshots after the free burst` : `${workloadLabel(workload)} takes snapshots at ${plan.offsets.join(', ')} ms (${plan.field})`;
    problems.push({ path, message: `'${metric}' needs a snapshot at ${offset} ms, but ${taken}; available: ${availableText([workload], harness)}` });
  }
  return problems;
}
