import type { TournamentView } from '../../core/tournament-view.js';

function pct(x: number | null): string {
  return x === null ? '?' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
}

/**
 * A tournament's ranking as text: per thread count, each allocator and config with its paired
 * improvement over the baseline (interval, verdict), then what switching and tuning are worth.
 */
export function tournamentText(view: TournamentView): string {
  const lines = [`${view.name} (${view.tournament_id}): ${view.state}${view.stop_reason ? ` (${view.stop_reason})` : ''}`, `objective: ${view.objective.direction} ${view.objective.key}; baseline: ${view.baseline_allocator} (the ranking's baseline row shows its config)`];
  for (const t of view.per_threads) {
    lines.push('', `${t.threads === null ? 'result' : `${t.threads} thread${t.threads === 1 ? '' : 's'}`}: final round ${t.round.status}${t.round.reason ? ` (${t.round.reason})` : ''}, ${t.round.blocks} blocks${t.round.workers.length === 0 ? '' : ` (${t.round.workers.map((w) => `on ${w.worker}: ${w.blocks.join(',')}`).join('; ')})`}`);
    for (const c of t.children) lines.push(`  child ${c.campaign_id} ${c.allocator.padEnd(9)} ${c.state.padEnd(9)} ${c.explored}/${c.budget_trials} explored`);
    for (const r of t.ranking) {
      const interval = r.improvement_low === null || r.improvement_high === null ? '' : ` [${pct(r.improvement_low)}..${pct(r.improvement_high)}]`;
      const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(' ') || '(defaults)';
      lines.push(`  ${String(r.rank).padStart(2)}. ${r.arm.padEnd(20)} ${r.arm === 'baseline' ? 'reference'.padEnd(12) : r.verdict.padEnd(12)} ${pct(r.improvement).padStart(7)}${interval} ${r.pairs} pairs  ${env}`);
    }
    for (const note of t.round.notes) lines.push(`  note: ${note}`);
  }
  lines.push('', ...view.headline);
  return `${lines.join('\n')}\n`;
}
