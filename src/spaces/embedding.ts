import type { Config, ConfigValue } from '../core/config.js';
import { snapFloat, type Parameter, type SearchSpace } from '../core/search-space.js';
import { isParameterActive, validateConfig } from './config-validation.js';

/** Coordinate given to a parameter that is inactive in a config (ignored on the way back). */
export const INACTIVE_COORDINATE = 0.5;

/**
 * A config <-> vector map onto [0,1]^dimension for the optimizer. One coordinate per searched
 * (non-fixed) parameter, in space order:
 * - integer: linear, or log over `x - min + 1` (so ranges starting at 0 or -1 work); a `beyond_max`
 *   value ("never", "forever") takes the top {@link BEYOND_MAX_SHARE} of the coordinate, past `max`;
 * - float: over its step grid, linear or log over `x / min`;
 * - categorical and boolean: one coordinate split into equal bins, choice i at the bin centre
 *   `(i + 0.5) / k` (keeps the dimension small; order of choices in the file is the order seen);
 * - inactive conditional parameters: {@link INACTIVE_COORDINATE}.
 * `fromVector(toVector(c))` equals `c` for every valid config, and `snap` is idempotent.
 */
export interface Embedding {
  dimension: number;
  /** Parameter name of each coordinate. */
  names: string[];
  toVector(config: Readonly<Config>): number[];
  fromVector(vector: readonly number[]): Config;
  /** The vector of the config `vector` decodes to: what the optimizer should record as evaluated. */
  snap(vector: readonly number[]): number[];
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(Math.max(v, 0), 1) : INACTIVE_COORDINATE;
}

/** Share of an integer coordinate, at its top end, that decodes to the parameter's `beyond_max` value. */
export const BEYOND_MAX_SHARE = 0.05;

/** Position of integer `x` in [lo, hi] as a fraction: linear, or log over `x - lo + 1`. */
function integerFraction(lo: number, hi: number, log: boolean, x: number): number {
  if (hi === lo) return 0;
  return log ? Math.log(x - lo + 1) / Math.log(hi - lo + 1) : (x - lo) / (hi - lo);
}

/** The integer of [lo, hi] at fraction `f`, rounded to the nearest step. */
function integerAt(lo: number, hi: number, log: boolean, f: number): number {
  const x = log ? Math.exp(f * Math.log(hi - lo + 1)) - 1 + lo : lo + f * (hi - lo);
  // `+ 0` turns Math.round's -0 into 0, which deep equality tells apart.
  return Math.min(Math.max(Math.round(x), lo), hi) + 0;
}

function encodeCoordinate(p: Parameter, value: ConfigValue): number {
  switch (p.kind) {
    case 'integer': {
      if (p.max === p.min) return INACTIVE_COORDINATE;
      const x = value as number;
      if (p.beyond_max === undefined) return integerFraction(p.min, p.max, p.log, x);
      return x === p.beyond_max ? 1 : (1 - BEYOND_MAX_SHARE) * integerFraction(p.min + 1, p.max, p.log, x);
    }
    case 'float': {
      if (p.max === p.min) return INACTIVE_COORDINATE;
      const x = value as number;
      return p.log ? Math.log(x / p.min) / Math.log(p.max / p.min) : (x - p.min) / (p.max - p.min);
    }
    case 'categorical':
      return (p.choices.findIndex((c) => c === value) + 0.5) / p.choices.length;
    case 'boolean':
      return value === true ? 0.75 : 0.25;
  }
}

function decodeCoordinate(p: Parameter, raw: number): ConfigValue {
  const v = clamp01(raw);
  switch (p.kind) {
    case 'integer': {
      if (p.beyond_max === undefined) return integerAt(p.min, p.max, p.log, v);
      if (v > 1 - BEYOND_MAX_SHARE / 2) return p.beyond_max;
      return integerAt(p.min + 1, p.max, p.log, Math.min(v / (1 - BEYOND_MAX_SHARE), 1));
    }
    case 'float':
      return snapFloat(p, p.log ? p.min * Math.exp(v * Math.log(p.max / p.min)) : p.min + v * (p.max - p.min));
    case 'categorical':
      return p.choices[Math.min(Math.floor(v * p.choices.length), p.choices.length - 1)] as ConfigValue;
    case 'boolean':
      return v >= 0.5;
  }
}

/** Builds the embedding of `space` (see {@link Embedding} for the representation). */
export function createEmbedding(space: SearchSpace): Embedding {
  const searched = space.parameters.filter((p) => p.fixed === undefined);
  const names = searched.map((p) => p.name);

  const fromVector = (vector: readonly number[]): Config => {
    if (vector.length !== searched.length) throw new RangeError(`vector has ${vector.length} coordinates, the ${space.allocator} space ${searched.length}`);
    const config: Config = {};
    let j = 0;
    for (const p of space.parameters) {
      const active = isParameterActive(p, config);
      if (p.fixed !== undefined) {
        if (active) config[p.name] = p.fixed;
        continue;
      }
      const coordinate = vector[j++] as number;
      if (active) config[p.name] = decodeCoordinate(p, coordinate);
    }
    return config;
  };

  const toVector = (input: Readonly<Config>): number[] => {
    const config = validateConfig(space, input);
    return searched.map((p) => {
      const value = config[p.name];
      return value === undefined ? INACTIVE_COORDINATE : encodeCoordinate(p, value);
    });
  };

  return {
    dimension: searched.length,
    names,
    toVector,
    fromVector,
    snap: (vector) => toVector(fromVector(vector)),
  };
}
