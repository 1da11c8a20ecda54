import { AlloctuneError } from '../core/alloctune-error.js';

/**
 * Resolves a metric name from a campaign spec against the keys of trial summaries
 * (`<workload label>.<metric>`): an exact key wins; otherwise the name must be the suffix of exactly
 * one key (`p99_us` -> `redis.p99_us`). Returns undefined while no key matches yet.
 */
export function resolveMetricKey(name: string, keys: Iterable<string>): string | undefined {
  const all = [...keys];
  if (all.includes(name)) return name;
  const matches = all.filter((k) => k.endsWith(`.${name}`));
  if (matches.length > 1) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', {
      field: 'objective.metric',
      reason: `'${name}' is ambiguous: ${matches.join(', ')}; qualify it with the workload label`,
    });
  }
  return matches[0];
}
