import type { ConfigValue } from '../core/config.js';
import { describeDomain, parameterValueProblem, stepDecimals, type Parameter, type SpaceEncoding } from '../core/search-space.js';
import { configError } from './config-error.js';

/** Characters any encoded value may contain; everything else (`;`, spaces, quotes, `$`) is refused. */
const VALUE_ALPHABET = /^[A-Za-z0-9_.-]+$/;

/**
 * The exact text written for `value`: plain decimal integers (never a leading zero, exponent or
 * suffix), short decimals for floats, the space's boolean tokens, categorical tokens verbatim.
 */
export function formatValue(encoding: SpaceEncoding, p: Parameter, value: ConfigValue): string {
  let text: string;
  if (typeof value === 'boolean') text = value ? encoding.true_token : encoding.false_token;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw configError(p.name, 'type', `cannot encode ${value}`);
    text = String(value);
    if (/e/i.test(text)) text = value.toFixed(p.kind === 'float' ? stepDecimals(p.step) : 0);
    if (Object.is(value, -0)) text = '0';
  } else text = value;
  if (!VALUE_ALPHABET.test(text)) throw configError(p.name, 'bad-character', `encoded value '${text}' has characters outside [A-Za-z0-9_.-]`);
  return text;
}

/** The first character outside the value alphabet, described for a message. */
function badCharacter(raw: string): string | undefined {
  for (const ch of raw) {
    if (!/[A-Za-z0-9_.-]/.test(ch)) return ch === ' ' ? 'a space' : ch === ';' ? "';'" : JSON.stringify(ch);
  }
  return undefined;
}

/** Why `raw` is not a plain decimal integer, in the allocators' own terms, or undefined when it is one. */
function integerTextProblem(raw: string): { rule: 'hex' | 'leading-zero' | 'exponent' | 'suffix' | 'not-a-number'; reason: string } | undefined {
  if (/^[+-]?0[xX]/.test(raw)) return { rule: 'hex', reason: 'hexadecimal is not accepted; write a plain decimal' };
  if (/^[+-]?0[0-9]+$/.test(raw)) {
    return { rule: 'leading-zero', reason: `a leading zero makes jemalloc and glibc read octal (${raw} = ${parseInt(raw, 8)}); write a plain decimal` };
  }
  if (/^[+-]?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$/.test(raw)) return { rule: 'exponent', reason: 'exponents (1e3) are not accepted; write all digits' };
  if (/^[+-]?[0-9]+[A-Za-z]+$/.test(raw)) {
    return { rule: 'suffix', reason: 'unit suffixes are not accepted (glibc truncates 1M to 1, tcmalloc reads 64M as 64); write bytes in plain decimal' };
  }
  if (!/^-?(0|[1-9][0-9]*)$/.test(raw)) return { rule: 'not-a-number', reason: 'not a decimal integer' };
  return undefined;
}

/**
 * Reads one value written for parameter `p`, strictly: only the exact text {@link formatValue}
 * would write is accepted. Throws ALLOCTUNE_ERR_CONFIG_VALUE naming the key, the rule and `pair`.
 */
export function parseValueText(encoding: SpaceEncoding, p: Parameter, raw: string, pair: string): ConfigValue {
  const fail = (rule: Parameters<typeof configError>[1], reason: string): never => {
    throw configError(p.name, rule, reason, pair);
  };
  if (raw === '') fail('empty-value', `empty value; expected ${describeDomain(p)}`);
  const bad = badCharacter(raw);
  if (bad !== undefined) fail('bad-character', `${bad} is not allowed in a value (only letters, digits, _ . -)`);

  let value: ConfigValue;
  switch (p.kind) {
    case 'boolean':
      if (raw === encoding.true_token) value = true;
      else if (raw === encoding.false_token) value = false;
      else return fail('not-a-boolean', `must be exactly '${encoding.true_token}' or '${encoding.false_token}' (no yes/no, on/off, TRUE or other spellings)`);
      break;
    case 'integer': {
      const problem = integerTextProblem(raw);
      if (problem) return fail(problem.rule, problem.reason);
      value = Number(raw);
      break;
    }
    case 'float': {
      if (!/^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/.test(raw)) {
        const problem = integerTextProblem(raw.replace(/\.[0-9]+/, ''));
        return fail(problem?.rule ?? 'not-a-number', problem?.reason ?? 'not a plain decimal number (no trailing zeros, exponent or suffix)');
      }
      value = Number(raw);
      break;
    }
    case 'categorical': {
      const match = p.choices.find((c) => String(c) === raw);
      if (match === undefined) {
        const prefixOf = p.choices.find((c) => typeof c === 'string' && c.startsWith(raw));
        if (prefixOf !== undefined) return fail('value-prefix', `'${raw}' is only a prefix of '${String(prefixOf)}' (jemalloc would guess; write the full value)`);
        if (/^[+-]?[0-9]/.test(raw) && p.choices.some((c) => typeof c === 'number')) {
          const problem = integerTextProblem(raw);
          if (problem) return fail(problem.rule, problem.reason);
        }
        return fail('not-a-choice', `must be ${describeDomain(p)}`);
      }
      if (match === p.omit) return fail('omitted-choice', `'${raw}' means "leave unset": remove the key instead`);
      value = match;
      break;
    }
  }
  const problem = parameterValueProblem(p, value);
  if (problem) fail('range', problem);
  return value;
}
