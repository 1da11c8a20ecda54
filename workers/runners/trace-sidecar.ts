import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { TraceSidecarSchema, type TraceReference } from '../../src/core/trace-sidecar.js';
import type { TraceDir } from '../trace-dir.js';

/**
 * The fields of a trace's sidecar NAME.json (src/core/trace-sidecar.ts, written by `alloctune trace
 * record`) that the fidelity report reads: the recorded program's peak RSS (wait4 ru_maxrss, kB) and
 * the allocator named at recording (null: whatever the program loads itself), and the untraced
 * reference runs by allocator with the reasons of those that failed. The rest is the
 * recorder's; a sidecar missing these fields still gives what it has.
 */
const SidecarSchema = TraceSidecarSchema.pick({ peak_rss_kb: true, allocator: true, references: true, reference_problems: true }).partial();

/** What is known of the original run; `note` says why a figure is missing. */
export interface OriginalRun {
  peak_rss_bytes: number | null;
  allocator: string | null;
  note?: string;
  /** Untraced runs by allocator (none in a version 1 sidecar). */
  references: Readonly<Record<string, TraceReference>>;
  /** Reference runs that were asked for and failed, by allocator: why. */
  reference_problems: Readonly<Record<string, string>>;
}

/** The original program's figures from the sidecar, or nulls with the reason (absent, unreadable, no peak RSS). */
export function readOriginalRun(traces: TraceDir, name: string): OriginalRun {
  let path: string;
  try {
    path = traces.resolve(name, 'sidecar');
  } catch {
    return { peak_rss_bytes: null, allocator: null, note: 'original peak RSS unknown: no sidecar NAME.json next to the trace', references: {}, reference_problems: {} };
  }
  let parsed: z.infer<typeof SidecarSchema>;
  try {
    parsed = SidecarSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 120);
    return { peak_rss_bytes: null, allocator: null, note: `original peak RSS unknown: sidecar unreadable (${why})`, references: {}, reference_problems: {} };
  }
  const allocator = parsed.allocator ?? null;
  const references = { references: parsed.references ?? {}, reference_problems: parsed.reference_problems ?? {} };
  if (parsed.peak_rss_kb === undefined) return { peak_rss_bytes: null, allocator, note: 'original peak RSS unknown: the sidecar records no peak_rss_kb', ...references };
  return { peak_rss_bytes: parsed.peak_rss_kb * 1024, allocator, ...references };
}
