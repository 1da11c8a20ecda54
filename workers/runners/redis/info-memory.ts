/** `INFO` text as a field -> value map (section headers and blank lines dropped). */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

/** Memory state of the server at one instant, ratios recomputed at full precision. */
export interface MemorySnapshot {
  used_memory_bytes: number;
  rss_bytes: number;
  allocator_allocated_bytes: number;
  allocator_active_bytes: number;
  allocator_resident_bytes: number;
  /** RSS / used_memory (INFO rounds it to two decimals). */
  mem_fragmentation_ratio: number;
  /** allocator_active / allocator_allocated: holes in partly used slabs. */
  allocator_frag_ratio: number;
  /** allocator_resident / allocator_active: dirty pages not yet purged. */
  allocator_rss_ratio: number;
  /** RSS / allocator_resident: what lies outside the allocator's heap (code, libraries, other maps). */
  rss_overhead_ratio: number;
}

function field(info: Record<string, string>, name: string): number {
  const v = Number(info[name]);
  if (!Number.isFinite(v)) throw new Error(`INFO field ${name} missing or not a number: ${info[name] ?? '(absent)'}`);
  return v;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** The memory fields of a parsed `INFO memory` (redis-measurement.md §3.3 for the formulas). */
export function memorySnapshot(info: Record<string, string>): MemorySnapshot {
  const used = field(info, 'used_memory');
  const rss = field(info, 'used_memory_rss');
  const allocated = field(info, 'allocator_allocated');
  const active = field(info, 'allocator_active');
  const resident = field(info, 'allocator_resident');
  return {
    used_memory_bytes: used,
    rss_bytes: rss,
    allocator_allocated_bytes: allocated,
    allocator_active_bytes: active,
    allocator_resident_bytes: resident,
    mem_fragmentation_ratio: ratio(rss, used),
    allocator_frag_ratio: ratio(active, allocated),
    allocator_rss_ratio: ratio(resident, active),
    rss_overhead_ratio: ratio(rss, resident),
  };
}
