// Plot data computed from the API's records (plain data in, plain data out; no DOM).

// Each trial's `score` ({objective, feasible}) comes with it from GET /v1/campaigns/:id/trials:
// the service judges trials once; nothing here resolves metric names or checks constraints.
const UNSCORED = { feasible: false };

/** Category order: numbers by value ("2" before "12"), words alphabetically after them. */
export function byValue(a, b) {
  return a.localeCompare(b, 'en', { numeric: true });
}

function trialNumber(trial) {
  const m = /(\d+)$/.exec(trial.trial_id);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Completed explore trials in proposal order, each with its ordinal (1 = first explored config). */
export function exploredTrials(trials) {
  return trials
    .filter((t) => t.role === 'explore')
    .sort((a, b) => trialNumber(a) - trialNumber(b))
    .map((t, i) => ({ trial: t, ordinal: i + 1 }))
    .filter(({ trial }) => trial.state === 'completed');
}

/**
 * Convergence: every completed explore trial's objective (feasible or not), the best feasible value
 * so far as a step line, and the baseline's pooled mean as a horizontal line.
 */
export function convergenceSeries(trials, spec, baselineMean) {
  const sign = spec.objective.direction === 'min' ? 1 : -1;
  const feasible = [];
  const infeasible = [];
  const best = [];
  let bestSoFar;
  for (const { trial, ordinal } of exploredTrials(trials)) {
    const score = trial.score ?? UNSCORED;
    if (score.objective === undefined) continue;
    (score.feasible ? feasible : infeasible).push({ x: ordinal, y: score.objective, trial: trial.trial_id });
    if (score.feasible && (bestSoFar === undefined || sign * (score.objective - bestSoFar) < 0)) bestSoFar = score.objective;
    if (bestSoFar !== undefined) best.push({ x: ordinal, y: bestSoFar });
  }
  const lastX = Math.max(1, ...feasible.map((p) => p.x), ...infeasible.map((p) => p.x));
  const baseline = baselineMean === undefined ? [] : [{ x: 0, y: baselineMean }, { x: lastX, y: baselineMean }];
  return { feasible, infeasible, best, baseline };
}

/** Names of the parameters the explored configs set, in the order of the first config. */
export function parameterNames(trials) {
  const names = new Set();
  for (const t of trials) if (t.role === 'explore') for (const k of Object.keys(t.config ?? {})) names.add(k);
  return [...names];
}

/**
 * Objective against one parameter's value over completed explore trials. Numeric parameters are
 * placed at their coordinate in the optimizer's search scale when the trials carry it (`scaled`: log
 * where the space is log-scaled, and "never"-style values such as jemalloc's decay -1 past the
 * maximum), else at their value on a linear axis; others (booleans, choices) at the index of their
 * sorted distinct values. `coordinates` names the parameter of each vector coordinate.
 */
export function effectSeries(trials, parameter, coordinates = []) {
  const rows = exploredTrials(trials)
    .map(({ trial }) => ({ trial, value: trial.config?.[parameter], score: trial.score ?? UNSCORED }))
    .filter((r) => r.value !== undefined && r.score.objective !== undefined);
  const numeric = rows.every((r) => typeof r.value === 'number');
  const k = coordinates.indexOf(parameter);
  const scaled = numeric && rows.length > 0 && k >= 0 && rows.every((r) => Number.isFinite(r.trial.vector?.[k]));
  const categories = numeric ? [] : [...new Set(rows.map((r) => String(r.value)))].sort(byValue);
  const x = (r) => (scaled ? r.trial.vector[k] : numeric ? r.value : categories.indexOf(String(r.value)));
  const point = (r) => ({ x: x(r), y: r.score.objective, trial: r.trial.trial_id, value: String(r.value) });
  return {
    numeric,
    scaled,
    categories,
    feasible: rows.filter((r) => r.score.feasible).map(point),
    infeasible: rows.filter((r) => !r.score.feasible).map(point),
  };
}
