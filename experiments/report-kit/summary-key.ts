/**
 * The key of a metric in recorded summaries (`<workload label>.<metric>`): an exact key wins;
 * otherwise the name must be the suffix of exactly one key (`p99_us` -> `redis.p99_us`). For reading
 * recorded data in reports; the service resolves a campaign's metrics once from its spec
 * (src/service/metric-resolver.ts). Undefined when no key matches.
 */
export function summaryKey(name: string, keys: Iterable<string>): string | undefined {
  const all = [...keys];
  if (all.includes(name)) return name;
  const matches = all.filter((k) => k.endsWith(`.${name}`));
  if (matches.length > 1) throw new Error(`'${name}' is ambiguous: ${matches.join(', ')}; qualify it with the workload label`);
  return matches[0];
}
