import type { Config, ConfigValue } from '../core/config.js';
import { parameterValueProblem, type Parameter, type SearchSpace } from '../core/search-space.js';
import { configError } from './config-error.js';

/** True when every condition of `p` holds in `config` (parents are declared earlier, so one pass suffices). */
export function isParameterActive(p: Parameter, config: Readonly<Config>): boolean {
  return Object.entries(p.when ?? {}).every(([parent, values]) => {
    const v = config[parent];
    return v !== undefined && values.includes(v);
  });
}

function valueOrFixed(p: Parameter, value: ConfigValue | undefined): ConfigValue {
  return p.fixed ?? value ?? p.default;
}

/**
 * The allocator's defaults as a config of this space (fixed values where frozen). For knobs whose
 * default depends on the CPU mask the default is the `omit` choice, which is never written.
 */
export function defaultConfig(space: SearchSpace): Config {
  const config: Config = {};
  for (const p of space.parameters) {
    if (isParameterActive(p, config)) config[p.name] = valueOrFixed(p, undefined);
  }
  return config;
}

/**
 * Checks a complete config against the space: every active parameter present with a valid value,
 * no inactive or unknown key, fixed values respected. A missing categorical with an `omit` choice
 * takes that choice (absent = unset). Returns the config in space order.
 * Throws ALLOCTUNE_ERR_CONFIG_VALUE naming the key and the rule.
 */
export function validateConfig(space: SearchSpace, config: Readonly<Config>): Config {
  const known = new Set(space.parameters.map((p) => p.name));
  for (const key of Object.keys(config)) {
    if (known.has(key)) continue;
    if (space.extras.some((p) => p.name === key)) {
      throw configError(key, 'not-in-space', `a documented ${space.allocator} knob that this search space leaves out; add it with overrides.add`);
    }
    throw configError(key, 'unknown-key', `not a parameter of the ${space.allocator} space`);
  }
  const out: Config = {};
  for (const p of space.parameters) {
    // Absent means unset, which is exactly what an `omit` choice says.
    const value = config[p.name] ?? (p.kind === 'categorical' && p.fixed === undefined ? p.omit : undefined);
    const active = isParameterActive(p, out);
    if (!active) {
      if (value !== undefined) {
        const needs = Object.entries(p.when ?? {}).map(([k, vs]) => `${k} in {${vs.map(String).join(', ')}}`).join(' and ');
        throw configError(p.name, 'inactive', `only applies when ${needs}`);
      }
      continue;
    }
    if (value === undefined) throw configError(p.name, 'missing', `active parameter has no value; expected ${p.fixed === undefined ? 'a value' : JSON.stringify(p.fixed)}`);
    const problem = parameterValueProblem(p, value);
    if (problem) throw configError(p.name, p.kind === 'categorical' ? 'not-a-choice' : typeof value === typeof p.default ? 'range' : 'type', problem);
    if (p.fixed !== undefined && value !== p.fixed) throw configError(p.name, 'fixed', `frozen at ${JSON.stringify(p.fixed)}, got ${JSON.stringify(value)}`);
    out[p.name] = value;
  }
  return out;
}

/**
 * Fills the active parameters missing from `partial` with their defaults (e.g. after importing
 * today's MALLOC_CONF as a baseline), then validates. A key of `partial` that ends up inactive is an error.
 */
export function completeConfig(space: SearchSpace, partial: Readonly<Config>): Config {
  const merged: Config = {};
  for (const p of space.parameters) {
    if (isParameterActive(p, merged)) merged[p.name] = partial[p.name] ?? valueOrFixed(p, undefined);
  }
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(merged, key)) return validateConfig(space, { ...merged, [key]: partial[key] as ConfigValue });
  }
  return validateConfig(space, merged);
}
