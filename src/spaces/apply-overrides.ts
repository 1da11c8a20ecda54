import { AlloctuneError } from '../core/alloctune-error.js';
import type { ConfigValue } from '../core/config.js';
import {
  SpaceFileSchema,
  SpaceOverridesSchema,
  parameterValueProblem,
  snapFloat,
  type Parameter,
  type SearchSpace,
  type SpaceOverridesInput,
} from '../core/search-space.js';

function invalid(field: string, reason: string): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: `overrides.${field}`, reason });
}

function narrowRange(p: Parameter, field: string, min: number | undefined, max: number | undefined): Parameter {
  if (p.kind !== 'integer' && p.kind !== 'float') throw invalid(field, `'${p.name}' is ${p.kind}: narrow it with choices`);
  const lo = min ?? p.min;
  const hi = max ?? p.max;
  if (lo < p.min || hi > p.max || lo > hi) throw invalid(field, `[${lo}, ${hi}] is not inside [${p.min}, ${p.max}]`);
  if (p.kind === 'integer') {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) throw invalid(field, 'integer bounds must be integers');
    const { beyond_max, ...rest } = p;
    // The "more than max" value survives only while it is still the bottom of a wider range.
    const keep = beyond_max !== undefined && lo === beyond_max && hi > lo;
    return { ...rest, ...(keep ? { beyond_max } : {}), min: lo, max: hi, default: Math.min(Math.max(p.default, lo), hi) };
  }
  const grid = { ...p, min: lo, max: hi };
  if (parameterValueProblem(p, lo) !== undefined || parameterValueProblem(p, hi) !== undefined) {
    throw invalid(field, `bounds must lie on the ${p.step} grid of '${p.name}'`);
  }
  return { ...grid, default: snapFloat(grid, p.default) };
}

function narrowChoices(p: Parameter, field: string, choices: readonly ConfigValue[]): Parameter {
  for (const c of choices) {
    const problem = parameterValueProblem(p, c);
    if (problem) throw invalid(field, `choice ${JSON.stringify(c)} ${problem}`);
  }
  if (p.kind === 'boolean') {
    const only = choices[0];
    return new Set(choices).size === 1 && typeof only === 'boolean' ? { ...p, fixed: only } : p;
  }
  if (p.kind !== 'categorical') throw invalid(field, `'${p.name}' is ${p.kind}: narrow it with min/max`);
  const kept = p.choices.filter((c) => choices.includes(c));
  const [first] = kept;
  if (first === undefined) throw invalid(field, 'no choice left');
  const narrowed: Parameter = { ...p, choices: kept, default: kept.includes(p.default) ? p.default : first };
  if (p.omit !== undefined && !kept.includes(p.omit)) delete narrowed.omit;
  return narrowed;
}

/** Conditions that can no longer hold lose their values; a parameter whose condition can never hold goes. */
function pruneConditions(parameters: Parameter[]): Parameter[] {
  const kept: Parameter[] = [];
  for (const p of parameters) {
    if (!p.when) {
      kept.push(p);
      continue;
    }
    let reachable = true;
    const when: Record<string, ConfigValue[]> = {};
    for (const [parent, values] of Object.entries(p.when)) {
      const parentParam = kept.find((k) => k.name === parent);
      const possible = parentParam ? values.filter((v) => parameterValueProblem(parentParam, v) === undefined && (parentParam.fixed === undefined || parentParam.fixed === v)) : values;
      if (possible.length === 0) reachable = false;
      when[parent] = possible;
    }
    if (reachable) kept.push({ ...p, when });
  }
  return kept;
}

/**
 * Applies per-campaign overrides to a loaded space, in the order add, drop, narrow, freeze.
 * Invalid overrides fail with ALLOCTUNE_ERR_INVALID_INPUT naming the field.
 */
export function applyOverrides(space: SearchSpace, input: SpaceOverridesInput): SearchSpace {
  const parsedOverrides = SpaceOverridesSchema.safeParse(input);
  if (!parsedOverrides.success) {
    const issue = parsedOverrides.error.issues[0];
    throw invalid(issue?.path.map(String).join('.') ?? '', issue?.message ?? 'invalid');
  }
  const o = parsedOverrides.data;
  let parameters = [...space.parameters];
  let extras = [...space.extras];
  const find = (name: string): number => parameters.findIndex((p) => p.name === name);

  for (const name of o.add) {
    const extra = extras.find((p) => p.name === name);
    if (!extra) {
      throw invalid(`add.${name}`, find(name) >= 0 ? 'already in the space' : `not a documented ${space.allocator} knob (see the extras of ${space.file})`);
    }
    extras = extras.filter((p) => p !== extra);
    parameters.push(extra);
  }
  for (const name of o.drop) {
    if (find(name) < 0) throw invalid(`drop.${name}`, 'not a parameter of the space');
    parameters = parameters.filter((p) => p.name !== name);
  }
  for (const p of parameters) {
    const dependsOn = Object.keys(p.when ?? {}).find((parent) => find(parent) < 0);
    if (dependsOn !== undefined) throw invalid(`drop.${dependsOn}`, `'${p.name}' depends on '${dependsOn}'; drop or freeze it too`);
  }
  for (const [name, narrowing] of Object.entries(o.narrow)) {
    const i = find(name);
    const p = parameters[i];
    if (!p) throw invalid(`narrow.${name}`, 'not a parameter of the space');
    parameters[i] = 'choices' in narrowing ? narrowChoices(p, `narrow.${name}`, narrowing.choices) : narrowRange(p, `narrow.${name}`, narrowing.min, narrowing.max);
  }
  for (const [name, value] of Object.entries(o.freeze)) {
    const i = find(name);
    const p = parameters[i];
    if (!p) throw invalid(`freeze.${name}`, 'not a parameter of the space');
    const problem = parameterValueProblem(p, value);
    if (problem) throw invalid(`freeze.${name}`, problem);
    parameters[i] = { ...p, fixed: value };
  }
  parameters = pruneConditions(parameters);

  const { file, ...content } = space;
  const checked = SpaceFileSchema.safeParse({ ...content, parameters, extras });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw invalid(issue?.path.map(String).join('.') ?? '', issue?.message ?? 'invalid');
  }
  return { ...checked.data, file };
}
