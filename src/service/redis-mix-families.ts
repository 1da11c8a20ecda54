import { REDIS_MIX_TESTS, type MixStream } from '../core/redis-command-mix.js';
import type { RedisWorkloadOptions } from '../core/redis-workload.js';
import { mixFamily, type MetricEntry } from './metric-catalogue.js';

/** The `<type>` / `<test>` values a Redis workload's options give each kind of mix family. */
function familyValues(options: Pick<RedisWorkloadOptions, 'mix' | 'capture'>, family: 'load' | 'delete' | 'measured'): string[] {
  const mix: readonly MixStream[] = options.mix ?? [];
  const values = mix.flatMap((s): string[] => {
    if (s.test === 'delete') return family === 'delete' ? [s.type] : [];
    if (family === 'measured') return s.phase === 'measured' ? [s.test] : [];
    return family === 'load' && s.phase === 'load' ? [REDIS_MIX_TESTS[s.test].type] : [];
  });
  if (family === 'load' && options.capture !== undefined) values.push('capture');
  return [...new Set(values)];
}

/**
 * The names a Redis workload with these options reports for a catalogue entry that is a mix family
 * (`used_memory_delta_bytes_<type>` -> `used_memory_delta_bytes_hash` when the mix loads hashes);
 * undefined for other entries.
 */
export function redisMixFamilyNames(entry: Pick<MetricEntry, 'kind' | 'name' | 'when'>, options: Pick<RedisWorkloadOptions, 'mix' | 'capture'>): string[] | undefined {
  const family = mixFamily(entry);
  if (family === undefined) return undefined;
  const placeholder = family === 'measured' ? '<test>' : '<type>';
  return familyValues(options, family).map((v) => entry.name.replace(placeholder, v));
}
