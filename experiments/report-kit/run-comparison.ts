import { mdTable, num } from './markdown.js';
import type { RawCampaign } from './raw-campaign.js';

/** Wall time of a campaign from its record (creation to finish), in minutes; undefined while unfinished. */
export function wallMinutes(raw: RawCampaign): number | undefined {
  const { created_at: created, finished_at: finished } = raw.record;
  if (finished === undefined) return undefined;
  return (Date.parse(finished) - Date.parse(created)) / 60_000;
}

/** Trials per role, as the trial list holds them. */
function roleCounts(raw: RawCampaign): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of raw.trials) counts.set(t.role, (counts.get(t.role) ?? 0) + 1);
  return counts;
}

/** Measured repeats (one per workload run): a duel or distillation trial is one repeat, others `spec.repeats`. */
function repeatCount(raw: RawCampaign): number {
  return raw.results.reduce((sum, r) => sum + r.repeats.length, 0);
}

/** Arms the leaderboard confirmed better than the baseline. */
function confirmedArms(raw: RawCampaign): string {
  const arms = raw.leaderboard.rows.filter((r) => r.beats_baseline).map((r) => r.arm);
  return arms.length === 0 ? 'none' : arms.join(', ');
}

/** Knobs the export sets: the evidence's knob list when it has one, else every key of the chosen config. */
function exportedKnobs(raw: RawCampaign): number {
  const knobs = raw.exported.knobs as unknown[] | undefined;
  return knobs !== undefined ? knobs.length : Object.keys(raw.exported.chosen.config).length;
}

/**
 * Two runs of the same question side by side: what each spent (trials by role, measured repeats,
 * wall time) and what each handed over (confirmed arms, exported knobs).
 */
export function runComparison(runs: readonly { name: string; raw: RawCampaign }[]): string {
  const roles = [...new Set(runs.flatMap((r) => [...roleCounts(r.raw).keys()]))].sort();
  const row = (label: string, cell: (raw: RawCampaign) => string): string[] => [label, ...runs.map((r) => cell(r.raw))];
  return mdTable(
    ['', ...runs.map((r) => r.name)],
    [
      row('trials', (raw) => String(raw.trials.length)),
      ...roles.map((role) => row(`… ${role}`, (raw) => String(roleCounts(raw).get(role) ?? 0))),
      row('measured repeats', (raw) => String(repeatCount(raw))),
      row('wall time (min)', (raw) => num(wallMinutes(raw), 1)),
      row('confirmed better than the baseline', confirmedArms),
      row('exported knobs', (raw) => String(exportedKnobs(raw))),
    ],
  );
}
