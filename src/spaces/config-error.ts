import { AlloctuneError } from '../core/alloctune-error.js';
import { truncateForMessage } from '../core/safe-text.js';

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
  // What the user wrote is quoted back, cut short: a 4 KB setting must not come back 4 KB long.
  const quoted = pair === undefined ? undefined : truncateForMessage(pair);
  const where = quoted === undefined ? '' : `'${quoted}': `;
  return new AlloctuneError('ALLOCTUNE_ERR_CONFIG_VALUE', {
    key: truncateForMessage(key, 100),
    rule,
    reason: `${where}${reason} [rule ${rule}]`,
    ...(quoted === undefined ? {} : { pair: quoted }),
  });
}
