import type { Config } from '../core/config.js';
import { isPrototypeMemberName } from '../core/safe-text.js';
import type { Parameter, SearchSpace } from '../core/search-space.js';
import { configError } from './config-error.js';
import { completeConfig } from './config-validation.js';
import { parseValueText } from './value-text.js';

/** The parameter `key` names, or ALLOCTUNE_ERR_CONFIG_VALUE saying why it names none. */
function lookupKey(space: SearchSpace, key: string, pair: string): Parameter {
  const found = space.parameters.find((p) => p.name === key);
  if (found) return found;
  const all = [...space.parameters, ...space.extras];
  if (space.extras.some((p) => p.name === key)) {
    throw configError(key, 'not-in-space', `a documented ${space.allocator} knob that this search space leaves out; add it with overrides.add`, pair);
  }
  const folded = all.find((p) => p.name.toLowerCase() === key.toLowerCase());
  if (folded) throw configError(key, 'key-case', `names are case-sensitive here; did you mean '${folded.name}'?`, pair);
  const prefixed = all.find((p) => key !== '' && p.name.startsWith(key));
  if (prefixed) {
    throw configError(key, 'key-prefix', `'${key}' is only a prefix of '${prefixed.name}' (jemalloc silently accepts some prefixes); write the full name`, pair);
  }
  throw configError(key, 'unknown-key', `not a key of the ${space.allocator} search space (debug and diagnostic knobs are deliberately left out)`, pair);
}

/** Reads `key`/`raw` pairs into a config: keys looked up strictly, duplicates refused, conditions checked. */
function collect(space: SearchSpace, pairs: readonly { key: string; raw: string; pair: string }[]): Config {
  const config: Config = {};
  for (const { key, raw, pair } of pairs) {
    if (key === '') throw configError(key, 'malformed-pair', 'empty name', pair);
    if (!/^[A-Za-z0-9_.]+$/.test(key)) throw configError(key, 'bad-character', 'names may contain only letters, digits, _ and .', pair);
    const p = lookupKey(space, key, pair);
    if (Object.hasOwn(config, key)) throw configError(key, 'duplicate-key', 'set twice (the allocator would silently keep one)', pair);
    config[key] = parseValueText(space.encoding, p, raw, pair);
  }
  // Inactive keys (max_background_threads without background_thread:true) and frozen values fail here.
  completeConfig(space, config);
  return config;
}

interface PairListSyntax {
  /** Between pairs: `,` in MALLOC_CONF, `:` in GLIBC_TUNABLES. */
  pairSeparator: string;
  /** Between name and value. */
  valueSeparator: string;
  /** Separators people try instead, with the hint to give. */
  foreign: Record<string, string>;
}

function parsePairList(space: SearchSpace, text: string, syntax: PairListSyntax): Config {
  if (text === '') return {};
  const parts = text.split(syntax.pairSeparator);
  const pairs = parts.map((pair, i) => {
    const at = pair.indexOf(syntax.valueSeparator);
    const key = at < 0 ? pair : pair.slice(0, at);
    if (pair === '') {
      const previous = parts[i - 1]?.split(syntax.valueSeparator)[0] ?? '';
      if (i === parts.length - 1) throw configError(previous, 'trailing-separator', `ends with '${syntax.pairSeparator}'`, text);
      throw configError(previous, 'empty-pair', `empty pair (two '${syntax.pairSeparator}' in a row or a leading one)`, text);
    }
    for (const [sep, hint] of Object.entries(syntax.foreign)) {
      if (pair.includes(sep)) throw configError(key, 'separator', hint, pair);
    }
    if (at < 0) throw configError(key, 'malformed-pair', `no '${syntax.valueSeparator}': a name without a value`, pair);
    const raw = pair.slice(at + 1);
    if (raw.includes(syntax.valueSeparator)) throw configError(key, 'malformed-pair', `more than one '${syntax.valueSeparator}' in one pair`, pair);
    return { key, raw, pair };
  });
  return collect(space, pairs);
}

/**
 * Reads a MALLOC_CONF string (e.g. today's production setting, to import as a baseline) by
 * jemalloc's own syntax but strictly: unknown, prefixed or duplicated keys, octal/hex, suffixes,
 * exponents, `yes`, out-of-range values, `;`, spaces, empty values and trailing commas are all
 * rejected with ALLOCTUNE_ERR_CONFIG_VALUE naming the pair and the rule. Returns only the keys set.
 */
export function parseMallocConf(text: string, space: SearchSpace): Config {
  return parsePairList(space, text, {
    pairSeparator: ',',
    valueSeparator: ':',
    foreign: {
      ';': "';' does not separate pairs: jemalloc reads the rest as part of this value and rejects it; use ','",
      '=': "jemalloc uses 'key:value', not 'key=value' (it stops parsing at '=')",
    },
  });
}

/** Reads a GLIBC_TUNABLES string (`glibc.malloc.name=value:...`) strictly; glibc itself ignores bad entries silently. */
export function parseGlibcTunables(text: string, space: SearchSpace): Config {
  return parsePairList(space, text, {
    pairSeparator: ':',
    valueSeparator: '=',
    foreign: {
      ';': "';' does not separate tunables; use ':'",
      ',': "',' does not separate tunables; use ':'",
    },
  });
}

/** Reads an environment map (MIMALLOC_*, TCMALLOC_*, HAKMEM_*) strictly into a config. */
export function parseEnvConfig(space: SearchSpace, env: Readonly<Record<string, string>>): Config {
  return collect(
    space,
    Object.entries(env).map(([key, raw]) => ({ key, raw, pair: `${key}=${raw}` })),
  );
}

/** Splits `NAME=value NAME=value` (spaces or newlines between assignments) into a map; duplicates and bare names are errors. */
export function parseEnvText(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const assignment of text.split(/\s+/).filter((s) => s !== '')) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw configError(at === 0 ? '' : assignment, 'malformed-pair', "expected NAME=value (a value cannot contain spaces)", assignment);
    const key = assignment.slice(0, at);
    // `env.__proto__ = ...` would set the prototype and drop the key without a word.
    if (isPrototypeMemberName(key)) throw configError(key, 'unknown-key', 'not an allocator variable', assignment);
    if (Object.hasOwn(env, key)) throw configError(key, 'duplicate-key', 'set twice', assignment);
    env[key] = assignment.slice(at + 1);
  }
  return env;
}

/** Parses the text form of a config for the space's encoding: MALLOC_CONF, GLIBC_TUNABLES or `NAME=value` list. */
export function parseConfigText(space: SearchSpace, text: string): Config {
  switch (space.encoding.format) {
    case 'malloc-conf':
      return parseMallocConf(text, space);
    case 'glibc-tunables':
      return parseGlibcTunables(text, space);
    case 'env':
      return parseEnvConfig(space, parseEnvText(text));
  }
}
