import type { StreamRecord } from './mix-load.js';

/**
 * Metrics of a mix's load phase (catalogued in src/service/metric-catalogue.ts): memory per type of
 * load, summed over the streams of that type (the capture is a type of its own), the state after the
 * last load stream of each type, what each type's delete streams freed, and the capture's replies.
 */
export function mixLoadMetrics(records: readonly StreamRecord[]): Record<string, number> {
  const m: Record<string, number> = {};
  const add = (name: string, v: number): void => {
    m[name] = (m[name] ?? 0) + v;
  };
  for (const r of records) {
    const t = r.type;
    if (r.kind === 'delete') {
      add(`used_memory_freed_bytes_${t}`, -r.delta.used_memory_bytes);
      add(`rss_freed_bytes_${t}`, -r.delta.rss_bytes);
      add(`deleted_keys_${t}`, r.deleted?.keys ?? 0);
      add(`deleted_elements_${t}`, r.deleted?.elements ?? 0);
      continue;
    }
    add(`used_memory_delta_bytes_${t}`, r.delta.used_memory_bytes);
    add(`allocator_active_delta_bytes_${t}`, r.delta.allocator_active_bytes);
    add(`rss_delta_bytes_${t}`, r.delta.rss_bytes);
    m[`allocator_frag_ratio_after_${t}`] = r.after.allocator_frag_ratio;
    m[`mem_fragmentation_ratio_after_${t}`] = r.after.mem_fragmentation_ratio;
    if (r.replay) {
      m['capture_replies'] = r.replay.replies;
      m['capture_errors'] = r.replay.errors;
      m['capture_ms'] = r.ms;
    }
  }
  return m;
}

/** Keys and time of the delete streams, for the workload's keys_deleted and delete_ms. */
export function mixDeleteTotals(records: readonly StreamRecord[]): { keys_deleted: number; delete_ms: number } {
  const deletes = records.filter((r) => r.kind === 'delete');
  return { keys_deleted: deletes.reduce((a, r) => a + (r.deleted?.keys ?? 0), 0), delete_ms: deletes.reduce((a, r) => a + r.ms, 0) };
}

/** Throughput of the measured-phase streams: `mix_<test>_ops_per_s` (the last stream of a test wins). */
export function mixMeasuredMetrics(rows: readonly { test: string; rps: number }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [`mix_${r.test}_ops_per_s`, r.rps]));
}
