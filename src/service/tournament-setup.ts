import type { CampaignSpec } from '../core/campaign-spec.js';
import { InputProblemsError, type InputProblem } from '../core/input-problems-error.js';
import type { TournamentSpec } from '../core/tournament-spec.js';
import type { WorkerInfo } from '../core/worker-info.js';
import { isAlloctuneError } from '../core/alloctune-error.js';
import { allocatorNames } from '../spaces/index.js';
import { prepareCampaign, type PreflightContext } from './campaign-setup.js';
import { childCampaignSpec } from './tournament-child-spec.js';
import { splitTrials } from './tournament-budget.js';
import { campaignNeeds, workerMisfit } from './worker-needs.js';

/** One child to create: where it sits in the tournament and its campaign spec. */
export interface PlannedChild {
  allocator: string;
  threads: number | null;
  spec: CampaignSpec;
  /** The summary key of its objective (`<workload label>.<metric>`), as its pre-flight resolved it. */
  objective_key: string;
}

/** A child problem's path as the tournament request spells it (`allocator` is the child's entry of `allocators`). */
function tournamentPath(path: string, spec: TournamentSpec, allocator: string): string {
  const { allocators } = spec;
  // The sweep set a harness workload's threads: a problem with it is the sweep's.
  const threadsArg = /^workloads\.(\d+)\.args\.threads$/.exec(path);
  if (threadsArg && spec.threads !== undefined) return 'threads';
  if (path === 'allocator') return `allocators.${allocators.indexOf(allocator)}`;
  if (path === 'space' || path.startsWith('space.')) return `spaces.${allocator}${path.slice('space'.length)}`;
  return path;
}

/**
 * Problems of the tournament's own fields that need nothing but the spec and the loaded
 * definitions (the request schema reports them with its own): undefined allocators, a baseline
 * allocator or a budget share or space naming an allocator not listed, a sweep without a harness
 * workload or with a `threads` argument it would override.
 */
export function tournamentSpecProblems(spec: TournamentSpec): InputProblem[] {
  const problems: InputProblem[] = [];
  const known = allocatorNames();
  spec.allocators.forEach((a, i) => {
    if (!known.includes(a)) problems.push({ path: `allocators.${i}`, message: `'${a}' is not a defined allocator (known: ${known.join(', ')})` });
  });
  if (spec.baseline_allocator !== undefined && !spec.allocators.includes(spec.baseline_allocator)) {
    problems.push({ path: 'baseline_allocator', message: `'${spec.baseline_allocator}' is not one of the allocators (${spec.allocators.join(', ')})` });
  }
  for (const key of Object.keys(spec.budget_split ?? {})) {
    if (!spec.allocators.includes(key)) problems.push({ path: `budget_split.${key}`, message: `'${key}' is not one of the allocators (${spec.allocators.join(', ')})` });
  }
  for (const key of Object.keys(spec.spaces ?? {})) {
    if (!spec.allocators.includes(key)) problems.push({ path: `spaces.${key}`, message: `'${key}' is not one of the allocators (${spec.allocators.join(', ')})` });
  }
  if (spec.threads !== undefined) {
    if (!spec.workloads.some((w) => w.kind === 'harness')) problems.push({ path: 'threads', message: 'a thread sweep needs a harness workload (it sets their threads argument)' });
    spec.workloads.forEach((w, i) => {
      if (w.kind === 'harness' && Object.hasOwn(w.args, 'threads')) problems.push({ path: `workloads.${i}.args.threads`, message: 'set by the tournament\'s threads sweep: leave it out here' });
    });
  }
  return problems;
}

/** The spec's own problems, and the one the live workers show: none loads every allocator. */
function ownProblems(spec: TournamentSpec, workers: readonly WorkerInfo[]): InputProblem[] {
  const problems = tournamentSpecProblems(spec);
  // The final round runs every allocator on one worker, so that its pairs compare like with like.
  if (spec.allocators.length > 1 && workers.length > 0) {
    const fits = workers.some((w) => spec.allocators.every((a) => workerMisfit(campaignNeeds({ worker_labels: spec.worker_labels, workloads: spec.workloads, allocator: a }), w) === undefined));
    if (!fits) {
      const what = workers.map((w) => `${w.name} loads ${w.allocators.map((a) => a.name).join(', ') || 'nothing'}`).join('; ');
      problems.push({ path: 'allocators', message: `no live worker can load all of ${spec.allocators.join(', ')} (${what}): the final round runs every allocator on one worker` });
    }
  }
  return problems;
}

/**
 * The children of a tournament (allocators x thread counts, each with its share of the trials),
 * every one checked by the campaign pre-flight. Throws one 400 listing every problem under the
 * tournament's own field paths (a child's `allocator` is `allocators.<i>`, its `space` is
 * `spaces.<allocator>`); nothing is created.
 */
export function planTournament(spec: TournamentSpec, context: PreflightContext = {}): PlannedChild[] {
  const workers = context.workers ?? [];
  const problems = ownProblems(spec, workers);
  const add = (p: InputProblem): void => {
    if (!problems.some((q) => q.path === p.path && q.message === p.message)) problems.push(p);
  };
  const threads = spec.threads ?? [null];
  const shares = splitTrials(spec.allocators, threads, spec.budget.trials, spec.budget_split);
  const children: PlannedChild[] = [];
  const badAllocators = new Set(problems.filter((p) => p.path.startsWith('allocators.')).map((p) => spec.allocators[Number(p.path.split('.')[1])]));
  for (const share of shares) {
    if (badAllocators.has(share.allocator)) continue;
    const child = childCampaignSpec(spec, share.allocator, share.threads, share.trials);
    try {
      const prepared = prepareCampaign(child, context);
      children.push({ allocator: share.allocator, threads: share.threads, spec: child, objective_key: prepared.metrics.objective });
    } catch (err) {
      if (err instanceof InputProblemsError) for (const p of err.problems) add({ path: tournamentPath(p.path, spec, share.allocator), message: p.message });
      else if (isAlloctuneError(err) && err.code === 'ALLOCTUNE_ERR_INVALID_INPUT') add({ path: tournamentPath(String(err.params['field'] ?? 'request'), spec, share.allocator), message: String(err.params['reason'] ?? err.message) });
      else throw err;
    }
  }
  if (problems.length > 0) throw new InputProblemsError(problems);
  return children;
}
