import type { Config } from '../core/config.js';
import { parameterValueProblem, type SearchSpace } from '../core/search-space.js';
import { configError } from './config-error.js';
import { validateConfig } from './config-validation.js';
import { resolvePreloadLibrary, type PreloadOptions } from './preload-library.js';
import { formatValue } from './value-text.js';

/** Environment that applies a config: allocator variables, and the library to LD_PRELOAD. */
export interface EncodedConfig {
  /** The allocator's own variables only (as its definition's encoding says); LD_PRELOAD is `preload`. */
  env: Record<string, string>;
  /** Absolute path of the library to preload; absent when the definition preloads nothing. */
  preload?: string;
}

export interface EncodeOptions extends PreloadOptions {
  /**
   * jemalloc: prepend `abort_conf:true`, so any conf error aborts the process instead of silently
   * keeping a default. Use it while validating candidates, not in exported production settings.
   */
  abortOnInvalidConf?: boolean;
  /**
   * Emit only these knobs (the config is still validated whole): a minimal export sets only what
   * differs from what the baseline runs with.
   */
  only?: ReadonlySet<string>;
}

/** Encoded `name -> text` pairs of a validated config, omitting "leave unset" choices, sorted by name. */
function encodedPairs(space: SearchSpace, config: Config, only?: ReadonlySet<string>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const p of space.parameters) {
    if (only && !only.has(p.name)) continue;
    const value = config[p.name];
    if (value === undefined || (p.kind === 'categorical' && p.omit !== undefined && value === p.omit)) continue;
    pairs.push([p.name, formatValue(space.encoding, p, value)]);
  }
  // Canonical order: one config always gives one string, whatever order the space file lists knobs in.
  return pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The allocator variables for `config` (validated first), without touching the file system:
 * jemalloc `MALLOC_CONF=k:v,...`, glibc `GLIBC_TUNABLES=n=v:...`, one variable per knob otherwise.
 * A config that sets nothing gives an empty map.
 */
export function encodeEnv(space: SearchSpace, config: Readonly<Config>, options: Pick<EncodeOptions, 'abortOnInvalidConf' | 'only'> = {}): Record<string, string> {
  const pairs = encodedPairs(space, validateConfig(space, config), options.only);
  switch (space.encoding.format) {
    case 'malloc-conf': {
      const text = [...(options.abortOnInvalidConf ? ['abort_conf:true'] : []), ...pairs.map(([k, v]) => `${k}:${v}`)].join(',');
      return text === '' ? {} : { MALLOC_CONF: text };
    }
    case 'glibc-tunables':
      return pairs.length === 0 ? {} : { GLIBC_TUNABLES: pairs.map(([k, v]) => `${k}=${v}`).join(':') };
    case 'env':
      return Object.fromEntries(pairs);
  }
}

/**
 * The exact environment a process starts with to run `config`: {@link encodeEnv} plus the library
 * to preload (resolved from `options` as in {@link resolvePreloadLibrary}, checked to be an ELF shared object).
 */
export function encodeConfig(space: SearchSpace, config: Readonly<Config>, options: EncodeOptions = {}): EncodedConfig {
  const env = encodeEnv(space, config, options);
  const preload = resolvePreloadLibrary(space, options);
  return preload === undefined ? { env } : { env, preload };
}

/**
 * `env` with `knobs` set on top, as a target that forces them would run: each knob (a parameter or
 * documented extra of `space`) is checked and formatted as any config value, and written in place of
 * what `env` says of them, after the rest.
 */
export function withForcedKnobs(space: SearchSpace, env: Readonly<Record<string, string>>, knobs: Readonly<Config>): Record<string, string> {
  const pairs: [string, string][] = Object.entries(knobs).map(([name, value]) => {
    const p = space.parameters.find((x) => x.name === name) ?? space.extras.find((x) => x.name === name);
    if (p === undefined) throw configError(name, 'unknown-key', `not a parameter of the ${space.allocator} space`);
    const problem = parameterValueProblem(p, value);
    if (problem !== undefined) throw configError(name, 'range', problem);
    return [name, formatValue(space.encoding, p, value)];
  });
  if (pairs.length === 0) return { ...env };
  // A name set twice is refused by the worker's check (duplicate-key): the forced value replaces the chosen one.
  const join = (variable: string, sep: string, assign: string): Record<string, string> => {
    const kept = (env[variable] ?? '').split(sep).filter((item) => item !== '' && !pairs.some(([k]) => item.startsWith(`${k}${assign}`)));
    return { ...env, [variable]: [...kept, ...pairs.map(([k, v]) => `${k}${assign}${v}`)].join(sep) };
  };
  switch (space.encoding.format) {
    case 'malloc-conf':
      return join('MALLOC_CONF', ',', ':');
    case 'glibc-tunables':
      return join('GLIBC_TUNABLES', ':', '=');
    case 'env':
      return { ...env, ...Object.fromEntries(pairs) };
  }
}
