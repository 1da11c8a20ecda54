// The Pareto plane built from the leaderboard for two chosen metrics (plain data, no DOM): which
// metrics may be plotted (the objective, the constraints, the guards), each config as a point,
// and the feasible non-dominated front.

/**
 * Metrics a reader may put on an axis: the objective, each constraint (with its limit) and each guard
 * (from the export evidence), by summary key, each once. `{ metric, direction, role, bound?, limit? }`.
 */
export function paretoAxes(campaign, board, guards = []) {
  const axes = [{ metric: campaign.metrics.objective, direction: campaign.spec.objective.direction, role: 'objective' }];
  const statuses = board.rows.find((r) => r.constraints.length > 0)?.constraints ?? [];
  campaign.metrics.constraints.forEach((metric, i) => {
    const status = statuses[i];
    const bound = status?.bound ?? ('min' in (campaign.spec.constraints[i] ?? {}) ? 'min' : 'max');
    const limit = status && Number.isFinite(status.limit) ? status.limit : undefined;
    axes.push({ metric, direction: bound === 'max' ? 'min' : 'max', role: 'constraint', bound, ...(limit === undefined ? {} : { limit }) });
  });
  for (const g of guards) axes.push({ metric: g.metric, direction: g.direction, role: 'guard' });
  const seen = new Set();
  return axes.filter((a) => !seen.has(a.metric) && seen.add(a.metric));
}

function dominates(a, b, dx, dy) {
  const ge = dx * (b.x - a.x) >= 0 && dy * (b.y - a.y) >= 0;
  return ge && (a.x !== b.x || a.y !== b.y);
}

/** `{x, y, points}` in the shape the Pareto chart draws: every config measured on both metrics. */
export function paretoSeries(board, xAxis, yAxis) {
  const points = board.rows
    .filter((r) => r.metrics?.[xAxis.metric] && r.metrics?.[yAxis.metric])
    .map((r) => ({ arm: r.arm, x: r.metrics[xAxis.metric].mean, y: r.metrics[yAxis.metric].mean, feasible: r.feasible, beats_baseline: r.beats_baseline }));
  const dx = xAxis.direction === 'min' ? 1 : -1;
  const dy = yAxis.direction === 'min' ? 1 : -1;
  const feasible = points.filter((p) => p.feasible);
  for (const p of points) p.on_front = p.feasible && !feasible.some((q) => dominates(q, p, dx, dy));
  return { x: xAxis, y: yAxis, points };
}
