import { AlloctuneError } from '../core/alloctune-error.js';

/**
 * Short names of the rules a config value can break, so callers and tests can tell them apart
 * without matching message text.
 */
export type ConfigRule =
  | 'unknown-key'
  | 'not-in-space'
  | 'key-prefix'
  | 'key-case'
  | 'duplicate-key'
  | 'missing'
  | 'inactive'
  | 'fixed'
  | 'range'
  | 'type'
  | 'empty-value'
  | 'bad-character'
  | 'leading-zero'
  | 'hex'
  | 'exponent'
  | 'suffix'
  | 'not-a-number'
  | 'not-a-boolean'
  | 'value-prefix'
  | 'not-a-choice'
  | 'omitted-choice'
  | 'separator'
  | 'empty-pair'
  | 'trailing-separator'
  | 'malformed-pair';

/** ALLOCTUNE_ERR_CONFIG_VALUE naming the key, the rule and (for parsed text) the offending pair. */
export function configError(key: string, rule: ConfigRule, reason: string, pair?: string): AlloctuneError {
  const where = pair === undefined ? '' : `'${pair}': `;
  return new AlloctuneError('ALLOCTUNE_ERR_CONFIG_VALUE', {
    key,
    rule,
    reason: `${where}${reason} [rule ${rule}]`,
    ...(pair === undefined ? {} : { pair }),
  });
}
