import type { ImportanceResponse } from '../../api/routes/importance-routes.js';

function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

/**
 * Knob importance as text, one block per judged metric (objective, constraints, guards): each
 * knob's total-effect share of the metric's variance across the searched space with its bootstrap
 * interval, and its first-order (main effect) share, most important first. Knobs below `floor` of
 * total share are summarised in one line.
 */
export function importanceTable(r: ImportanceResponse, floor = 0.01): string {
  const out: string[] = [];
  for (const m of r.metrics) {
    const level = `${Math.round(100 * m.level)}% intervals`;
    out.push(`${m.role} ${m.metric}: ${m.trials} trials, ${level}`);
    if (m.knobs.length === 0) {
      out.push('  too few measured trials for an estimate', '');
      continue;
    }
    out.push(`  ${'knob'.padEnd(28)} ${'total share'.padStart(11)}  ${'interval'.padEnd(17)} ${'main effect'.padStart(11)}`);
    const shown = m.knobs.filter((k) => k.total >= floor);
    for (const k of shown) {
      out.push(`  ${k.name.padEnd(28)} ${percent(k.total).padStart(11)}  ${`[${percent(k.total_low)}, ${percent(k.total_high)}]`.padEnd(17)} ${percent(k.first).padStart(11)}`);
    }
    const rest = m.knobs.length - shown.length;
    if (rest > 0) out.push(`  (${rest} more knobs below ${percent(floor)} each)`);
    out.push('');
  }
  const method = r.metrics[0]?.method;
  if (method) out.push(`method: ${method}`);
  return out.join('\n');
}
