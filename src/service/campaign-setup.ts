import { AlloctuneError, isAlloctuneError } from '../core/alloctune-error.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import { baselineRatio } from '../core/optimizer-observation.js';
import type { ResolvedMetrics } from '../core/campaign-record.js';
import type { Config } from '../core/config.js';
import type { HarnessList } from '../core/harness-list.js';
import { InputProblemsError, type InputProblem } from '../core/input-problems-error.js';
import { exploreWithProblems } from './explore-with-check.js';
import type { WorkerInfo } from '../core/worker-info.js';
import type { SearchSpace } from '../core/search-space.js';
import { lookWeights } from '../optimizer/duel/alpha-spending.js';
import type { DefinitionSnapshot } from '../core/definition-snapshot.js';
import { completeConfig, defaultConfig, parseEnvConfig, parseGlibcTunables, parseMallocConf, postedSnapshot, registrySnapshot, snapshotSpace, validateConfig } from '../spaces/index.js';
import { campaignGuards } from './guard-catalogue.js';
import { harnessArgProblems } from './harness-args-check.js';
import { metricAvailabilityProblems } from './metric-availability.js';
import { resolveCampaignMetrics } from './metric-resolver.js';
import { overriddenKnobs } from './target-overrides.js';
import { allocatorProblems, commandProblems, redisServerProblems, traceProblems } from './worker-needs.js';

/** A campaign spec checked against its space: the loaded space and the baseline config. */
export interface PreparedCampaign {
  spec: CampaignSpec;
  /** The allocator definition snapshotted for the record: posted with the spec, or the registered one as loaded now. */
  definition: DefinitionSnapshot;
  space: SearchSpace;
  baselineConfig: Config;
  referenceConfigs: { name: string; config: Config }[];
  /** The summary keys of the objective and the constraints. */
  metrics: ResolvedMetrics;
  /** What setup changed and why, for the record. */
  notes: string[];
}

function invalid(field: string, reason: string, cause?: unknown): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason }, { cause });
}

/** The request's path of a field a space override names (`overrides.narrow.x` is `space.narrow.x` in a campaign). */
function requestPath(field: string): string {
  return field.startsWith('overrides.') ? `space.${field.slice('overrides.'.length)}` : field;
}

/** Re-throw a space/config error as a 400 naming the spec field it came from (or the override it names). */
function asField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!isAlloctuneError(err)) throw err;
    const named = err.params['field'];
    if (err.code === 'ALLOCTUNE_ERR_INVALID_INPUT' && typeof named === 'string' && named.startsWith('overrides.')) {
      throw invalid(requestPath(named), String(err.params['reason'] ?? err.message), err);
    }
    throw invalid(field, err.message, err);
  }
}

/** Collects the problems of a spec, so that one answer lists them all. */
class ProblemList {
  readonly problems: InputProblem[] = [];

  add(...problems: readonly InputProblem[]): void {
    for (const p of problems) if (!this.problems.some((q) => q.path === p.path && q.message === p.message)) this.problems.push(p);
  }

  /** Run one check: its 400 becomes a problem (and undefined), anything else propagates. */
  check<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InputProblemsError) this.add(...err.problems);
      else if (isAlloctuneError(err) && err.code === 'ALLOCTUNE_ERR_INVALID_INPUT') this.add({ path: String(err.params['field'] ?? 'request'), message: String(err.params['reason'] ?? err.message) });
      else throw err;
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new InputProblemsError(this.problems);
  }
}

/** A setting given as MALLOC_CONF text, an environment map or a config, checked against the space. */
type Setting = { malloc_conf: string } | { env: Record<string, string> } | { config: Config };

function settingConfig(spec: CampaignSpec, space: SearchSpace, setting: Setting, field: string): Config {
  const format = space.encoding.format;
  if ('malloc_conf' in setting) {
    if (format !== 'malloc-conf') throw invalid(`${field}.malloc_conf`, `a MALLOC_CONF setting needs an allocator configured through MALLOC_CONF, not ${spec.allocator} (${format})`);
    return asField(`${field}.malloc_conf`, () => completeConfig(space, parseMallocConf(setting.malloc_conf, space)));
  }
  if ('env' in setting) {
    // One-string encodings read one variable only; the others one variable per knob.
    const single = format === 'malloc-conf' ? 'MALLOC_CONF' : format === 'glibc-tunables' ? 'GLIBC_TUNABLES' : undefined;
    if (single !== undefined) {
      const { [single]: text, ...rest } = setting.env;
      if (Object.keys(rest).length > 0) throw invalid(`${field}.env`, `${spec.allocator} reads ${single} only, not ${Object.keys(rest).join(', ')}`);
      const parse = format === 'malloc-conf' ? parseMallocConf : parseGlibcTunables;
      return asField(`${field}.env.${single}`, () => completeConfig(space, parse(text ?? '', space)));
    }
    return asField(`${field}.env`, () => completeConfig(space, parseEnvConfig(space, setting.env)));
  }
  return asField(`${field}.config`, () => validateConfig(space, completeConfig(space, setting.config)));
}

/**
 * The allocator problem when no live worker advertises the library of an allocator that only
 * workers configure (no distribution package): its library is the workers' business, never the campaign's.
 */
function workerLibraryProblems(space: SearchSpace, workers: readonly WorkerInfo[]): InputProblem[] {
  if (workers.some((w) => w.allocators.some((a) => a.name === space.allocator))) return [];
  const files = space.load.library_files.join(' or ') || 'its library';
  const variable = space.load.path_variable === undefined ? '' : ` (or ${space.load.path_variable})`;
  return [{ path: 'allocator', message: `no live worker can load ${space.allocator} (${files}): configure libraries.${space.allocator} or library_dir in the worker config${variable} on the benchmark hosts` }];
}

/** What the pre-flight checks compare a spec with besides itself. */
export interface PreflightContext {
  /** The harness's own description (`allocbench --list`); absent: harness arguments are left to the harness. */
  harness?: HarnessList;
  /** Live workers: command names and allocators are checked against them when there are any. */
  workers?: readonly WorkerInfo[];
}

function constraintTargetProblem(c: CampaignSpec['constraints'][number], i: number): void {
  const ratio = baselineRatio(c);
  if (ratio !== undefined) {
    const field = `constraints.${i}.${'max_ratio_to_baseline' in c ? 'max_ratio_to_baseline' : 'min_ratio_to_baseline'}`;
    if (!Number.isFinite(ratio) || ratio <= 0 || ratio > 1000) throw invalid(field, `ratio ${ratio} to the baseline is out of range: use a number in (0, 1000]`);
    return;
  }
  if (!('max' in c) && !('min' in c)) return;
  const limit = 'max' in c ? c.max : c.min;
  // Every metric the runners report is a non-negative quantity (time, bytes, ratio, rate).
  if (!Number.isFinite(limit) || limit < 0) throw invalid(`constraints.${i}.${'max' in c ? 'max' : 'min'}`, `target ${limit} is out of range: metrics are non-negative`);
  if ('max' in c && limit === 0) throw invalid(`constraints.${i}.max`, 'a target of <= 0 can never be met');
}

/**
 * Everything about a spec that zod cannot check alone: the space and its overrides, the baseline
 * and references, metric names against what the workloads will report with their options (snapshot
 * offsets included), harness workloads and arguments against the harness's description, command
 * names and the allocator against the live workers, target values, duel pairs. Throws one 400
 * ({@link InputProblemsError}) listing every problem, each under its field path in the request.
 */
export function prepareCampaign(submitted: CampaignSpec, context: PreflightContext = {}): PreparedCampaign {
  const problems = new ProblemList();
  const workers = context.workers ?? [];
  if (context.harness) problems.add(...harnessArgProblems(submitted.workloads, context.harness));
  // The low-fidelity workloads' harness arguments are checked the same way, under their own path.
  const low = submitted.explore_with?.workloads;
  if (context.harness && low) problems.add(...harnessArgProblems(low, context.harness).map((p) => ({ ...p, path: p.path.replace(/^workloads\./, 'explore_with.workloads.') })));
  problems.add(...exploreWithProblems(submitted));
  problems.add(...metricAvailabilityProblems(submitted, context.harness), ...commandProblems(submitted, workers), ...traceProblems(submitted, workers));
  const known = problems.check(() => campaignDefinition(submitted));
  const fullSpace = known && problems.check(() => asField('space', () => snapshotSpace(known, submitted.space)));
  // An allocator with a distribution package is installed by the bootstrap; one without is found
  // only where a worker's config points at it, so it needs a live worker that advertises it.
  // Workers advertise (and find libraries for) the base of a posted definition.
  if (known && fullSpace?.load.preload && fullSpace.load.debian_package === undefined) problems.add(...workerLibraryProblems({ ...fullSpace, allocator: known.base }, workers));
  else if (known) problems.add(...allocatorProblems({ allocator: known.base }, workers));
  if (known && fullSpace) problems.add(...redisServerProblems(submitted, fullSpace, known.base, workers));
  const { spec, notes } = fullSpace ? withoutOverriddenKnobs(submitted, fullSpace) : { spec: submitted, notes: [] };
  const space = known && fullSpace && problems.check(() => asField('space', () => snapshotSpace(known, spec.space)));
  // Metric names were checked above with every problem listed; resolving them again only adds duplicates.
  const metrics = problems.problems.length === 0 ? problems.check(() => resolveCampaignMetrics(spec)) : undefined;
  if (metrics) problems.check(() => campaignGuards(spec, metrics.objective));
  spec.constraints.forEach((c, i) => problems.check(() => constraintTargetProblem(c, i)));
  if (spec.duel.enabled) {
    // The smallest one-sided exact Wilcoxon p over n pairs is 2^-n, and Holm multiplies the smallest
    // p by the number of claims (candidates, the placebo, references): fewer pairs could never confirm
    // anything. The sequential rule falls back to that test on outliers, at its last look with that
    // look's share of alpha; its t test is not capped by the number of pairs.
    const claims = spec.duel.candidates + 1 + spec.references.length;
    const { confirm } = spec.duel;
    if (confirm.rule === 'fixed') {
      const needed = Math.floor(Math.log2(claims / spec.duel.alpha)) + 1;
      if (spec.duel.pairs < needed) {
        problems.add({ path: 'duel.pairs', message: `${spec.duel.pairs} pairs can never reach alpha ${spec.duel.alpha} over ${claims} claims (Holm); use at least ${needed}` });
      }
    } else {
      const reachable = (maxPairs: number): boolean => {
        const last = lookWeights(Math.min(confirm.min_pairs, maxPairs), maxPairs, confirm.spending).at(-1) ?? 0;
        return (2 ** -maxPairs / last) * claims < spec.duel.alpha;
      };
      if (!reachable(confirm.max_pairs)) {
        let needed = confirm.max_pairs;
        while (needed < 100 && !reachable(needed)) needed++;
        problems.add({
          path: 'duel.confirm.max_pairs',
          message: `${confirm.max_pairs} pairs can never reach alpha ${spec.duel.alpha} over ${claims} claims with the rank test the rule falls back to on outliers; use at least ${needed}`,
        });
      }
    }
  }
  // Settings are read against the full space (they may set a knob the target overrides), then keep
  // the searched knobs; with bad overrides, against the allocator's own space, so their problems are listed too.
  const settingSpace = fullSpace ?? (known ? snapshotSpace(known) : undefined);
  const fullDefaults = settingSpace ? defaultConfig(settingSpace) : {};
  const searched = (config: Config, what: string): Config => {
    if (!space) return config;
    const left = Object.keys(config).filter((k) => !space.parameters.some((p) => p.name === k) && config[k] !== fullDefaults[k]);
    if (left.length > 0) notes.push(`${what} sets ${left.join(', ')}, which the target overrides: left out`);
    return Object.fromEntries(Object.entries(config).filter(([k]) => space.parameters.some((p) => p.name === k)));
  };
  const baseline = spec.baseline;
  let baselineConfig: Config | undefined;
  let referenceConfigs: { name: string; config: Config }[] = [];
  if (settingSpace) {
    baselineConfig = baseline === undefined ? space && defaultConfig(space) : problems.check(() => searched(settingConfig(spec, settingSpace, baseline, 'baseline'), 'the baseline'));
    referenceConfigs = spec.references.flatMap((ref, i) => {
      const { name, ...setting } = ref;
      const config = problems.check(() => searched(settingConfig(spec, settingSpace, setting as Setting, `references.${i}`), `reference ${name}`));
      return config === undefined ? [] : [{ name, config }];
    });
  }
  problems.throwIfAny();
  if (!known || !space || !metrics || !baselineConfig) throw new AlloctuneError('ALLOCTUNE_ERR_INTERNAL', { reason: 'campaign setup ended without a problem or a result' });
  return { spec, definition: known, space, baselineConfig, referenceConfigs, metrics, notes };
}

/**
 * The definition a campaign will run with: the one posted with it (a view over a registered
 * definition, its name the spec's `allocator`), else the registered definition of `allocator`.
 */
function campaignDefinition(spec: CampaignSpec): DefinitionSnapshot {
  const posted = spec.definition;
  if (posted === undefined) return asField('allocator', () => registrySnapshot(spec.allocator));
  if (posted.allocator !== spec.allocator) throw invalid('definition.allocator', `names '${posted.allocator}', but the campaign's allocator is '${spec.allocator}': they must be the same`);
  return postedSnapshot(posted);
}

/**
 * Drops from the search the knobs the campaign's target overrides (src/service/target-overrides.ts)
 * and the knobs that depend on them, unless the user froze them; each drop is noted.
 */
function withoutOverriddenKnobs(spec: CampaignSpec, space: SearchSpace): { spec: CampaignSpec; notes: string[] } {
  const frozen = spec.space?.freeze ?? {};
  const drop = new Set<string>();
  const notes: string[] = [];
  for (const o of overriddenKnobs(space, spec.workloads)) {
    if (!space.parameters.some((p) => p.name === o.knob) || Object.hasOwn(frozen, o.knob)) continue;
    const dependents = space.parameters.filter((p) => Object.hasOwn(p.when ?? {}, o.knob)).map((p) => p.name);
    for (const name of [o.knob, ...dependents]) drop.add(name);
    notes.push(`${[o.knob, ...dependents].join(' and ')} not searched: ${o.why}; it has no effect there`);
  }
  if (drop.size === 0) return { spec, notes };
  const overrides = { add: [], drop: [], narrow: {}, freeze: {}, ...spec.space };
  return { spec: { ...spec, space: { ...overrides, drop: [...new Set([...overrides.drop, ...drop])] } }, notes };
}
