import { closestName } from '../core/closest-name.js';
import type { HarnessList, HarnessParam, HarnessWorkload } from '../core/harness-list.js';
import type { InputProblem } from '../core/input-problems-error.js';
import type { WorkloadSpec } from '../core/trial-job.js';

type HarnessSpec = Extract<WorkloadSpec, { kind: 'harness' }>;

/** The harness parameter that holds a workload's snapshot offsets after the free burst. */
const SNAPSHOT_PARAM = 'snapshot-ms';
const INTEGER = /^-?\d+$/;

function didYouMean(name: string, candidates: readonly string[]): string {
  const near = closestName(name, candidates);
  return near === undefined ? '' : `; did you mean '${near}'?`;
}

/** Why `value` is not what `param` takes, or undefined. */
function valueProblem(param: HarnessParam, value: string | number): string | undefined {
  const items = typeof value === 'number' ? [String(value)] : param.list ? value.split(',') : [value];
  for (const item of items) {
    if (!INTEGER.test(item)) return `'${item}' is not an integer${param.list ? ' (a comma-separated list of integers)' : ''}`;
    const n = Number(item);
    if (n < param.min || n > param.max) return `${item} is outside [${param.min}, ${param.max}] (${param.help})`;
  }
  if (param.name === SNAPSHOT_PARAM && items.some((item, i) => i > 0 && Number(item) <= Number(items[i - 1]))) {
    return 'offsets must be ascending';
  }
  return undefined;
}

/** The parameters a harness workload takes: the generic ones, then its own. */
function paramsOf(list: HarnessList, workload: HarnessWorkload): HarnessParam[] {
  return [...list.generic_params, ...workload.params];
}

/**
 * Every problem of the campaign's harness workloads against the harness's own description
 * (`allocbench --list`): unknown workloads and arguments (with the nearest name and the valid
 * ones), values that are not integers or lie outside the argument's range, more threads than the
 * workload runs. Paths as in the request: `workloads.<i>.workload`, `workloads.<i>.args.<name>`.
 */
export function harnessArgProblems(workloads: readonly WorkloadSpec[], list: HarnessList): InputProblem[] {
  const problems: InputProblem[] = [];
  const names = list.workloads.map((w) => w.name);
  workloads.forEach((spec, i) => {
    if (spec.kind !== 'harness') return;
    const workload = list.workloads.find((w) => w.name === spec.workload);
    if (!workload) {
      problems.push({ path: `workloads.${i}.workload`, message: `unknown harness workload '${spec.workload}'${didYouMean(spec.workload, names)} (workloads: ${names.join(', ')})` });
      return;
    }
    const params = paramsOf(list, workload);
    for (const [key, value] of Object.entries(spec.args)) {
      const path = `workloads.${i}.args.${key}`;
      const param = params.find((p) => p.name === key);
      if (!param) {
        const valid = params.map((p) => p.name);
        problems.push({ path, message: `unknown argument '${key}' of harness workload ${workload.name}${didYouMean(key, valid)} (arguments: ${valid.join(', ')})` });
        continue;
      }
      const problem = valueProblem(param, value);
      if (problem !== undefined) problems.push({ path, message: problem });
      else if (key === 'threads' && Number(value) > workload.max_threads) problems.push({ path, message: `${workload.name} runs at most ${workload.max_threads} thread(s)` });
    }
  });
  return problems;
}

/**
 * The snapshot offsets (ms after the free burst) a harness workload will report metrics at
 * (`rss_bytes_at_<N>ms`): its `snapshot-ms` argument, else the harness default; none for a
 * workload without that parameter. Undefined when the workload is unknown to the harness.
 */
export function harnessSnapshotOffsets(spec: HarnessSpec, list: HarnessList): number[] | undefined {
  const workload = list.workloads.find((w) => w.name === spec.workload);
  if (!workload) return undefined;
  const param = workload.params.find((p) => p.name === SNAPSHOT_PARAM);
  if (!param) return [];
  const value = spec.args[SNAPSHOT_PARAM] ?? param.default ?? '';
  return String(value).split(',').filter((s) => INTEGER.test(s)).map(Number);
}
