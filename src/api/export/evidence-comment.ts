import type { ConfigEvidence, DistillEvidence, ExportEvidence, MetricEvidence } from '../../core/export-evidence.js';
import { escapeUnprintable } from '../../core/safe-text.js';
import { intervalText } from '../../stats/interval-text.js';

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) return x.toExponential(3);
  return Number(x.toPrecision(5)).toString();
}

function formatMetric(m: MetricEvidence): string {
  return `${formatNumber(m.mean)} ${intervalText(m.interval, formatNumber)}${m.interval.method === 'none' ? '' : ` n=${m.n}`}`;
}

function configLines(title: string, c: ConfigEvidence, focus: readonly string[], optionKeys: ReadonlySet<string>): string[] {
  const lines = [`${title} (${c.label}): ${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ') || 'nothing set (allocator defaults)'}`];
  const shown = Object.entries(c.metrics)
    .filter(([name]) => focus.length === 0 || focus.includes(name))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [name, m] of shown) lines.push(`  ${name} = ${formatMetric(m)}`);
  const options = Object.entries(c.effective_options).filter(([k]) => optionKeys.size === 0 || optionKeys.has(k));
  if (options.length > 0) {
    lines.push(`  effective options: ${options.map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  }
  return lines;
}

function formatPct(v: number | null | undefined): string {
  return v === null || v === undefined ? '?' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
}

/** Why each knob is in the export: its value against the baseline's and its share of the gain. */
function knobLines(e: ExportEvidence): string[] {
  return e.knobs.map((k) => {
    const base = k.baseline_value === undefined ? 'unset in the baseline' : `baseline ${String(k.baseline_value)}`;
    const share =
      k.share === undefined
        ? ''
        : `, ${(100 * k.share).toFixed(0)}% of the gain [${k.share_low === null || k.share_low === undefined ? '?' : (100 * k.share_low).toFixed(0)}%, ${k.share_high === null || k.share_high === undefined ? '?' : (100 * k.share_high).toFixed(0)}%]`;
    // An untested knob's summary already starts "kept untested: ..."; the others say what the step found.
    const why = k.distill_summary === undefined ? '' : k.distill_summary.startsWith('kept') ? `; ${k.distill_summary}` : `; kept, ${k.distill_outcome ?? ''}: ${k.distill_summary}`;
    return `knob ${k.knob}=${String(k.value)} (${base}${share}${why})`;
  });
}

const OUTCOME_TEXT: Record<DistillEvidence['steps'][number]['outcome'], string> = {
  reverted: 'dropped, contributes nothing measurable',
  carries_gain: 'kept, carries gain',
  inconclusive: 'kept, could not tell (noise too large)',
};

/** The distillation round's decisions: what was dropped as contributing nothing, and what was kept. */
function distillLines(e: ExportEvidence): string[] {
  const d = e.distillation;
  if (!d) return [];
  const stepLines = (steps: typeof d.steps): string[] =>
    steps.map((s) => {
      const group = s.knobs.length > 1;
      const target = group ? 'reverting them together' : `reverting to ${s.to === undefined ? 'unset' : String(s.to)}`;
      const change = `${target} costs ${formatPct(s.loss_pct)} (change ${formatPct(s.change_low_pct)}..${formatPct(s.change_high_pct)}, ${s.pairs} pairs)`;
      const what = group ? `group ${s.knobs.join(', ')}` : `${s.knob}=${String(s.from)}`;
      const outcome = group && s.outcome !== 'reverted' ? 'the joint revert did not hold, tried one at a time' : OUTCOME_TEXT[s.outcome];
      return `  ${what}: ${outcome}; ${change}; ${s.reason}`;
    });
  const lines = [`distillation (${d.status}, ${d.trials} trials): ${d.reason}`, ...stepLines(d.steps)];
  for (const r of d.references) lines.push(`reference ${r.arm} distilled (${r.status}): ${r.reason}`, ...stepLines(r.steps));
  return lines;
}

/**
 * The evidence as plain text lines (no comment marker), shared by every text export format:
 * verdict, campaign, claims with their tests, knobs with their shares, guards, reachability,
 * distillation, metrics with 95% intervals, duel record.
 */
export function evidenceLines(e: ExportEvidence): string[] {
  const lines = [
    `alloctune campaign ${e.campaign_id} (${e.campaign_name}), allocator ${e.allocator}, generated ${e.generated_at}`,
    `verdict: ${e.verdict}`,
  ];
  if (e.definition) {
    const where = e.definition.source === 'posted' ? `posted with the campaign, a view over ${e.definition.base}` : (e.definition.file ?? e.definition.base);
    lines.push(`definition: ${e.definition.content.allocator} sha256 ${e.definition.sha256} (${where})`);
  }
  for (const c of e.claims) {
    lines.push(
      `claim: ${c.metric} ${formatNumber(c.improvement_pct)}% better (${c.direction === 'min' ? 'lower' : 'higher'}) than baseline; ` +
        `${c.test}, ${c.wins}/${c.pairs} pairs won, p=${formatNumber(c.p_value)}, Holm-adjusted p=${formatNumber(c.p_adjusted)}`,
    );
  }
  lines.push(...knobLines(e));
  for (const g of e.guards) lines.push(`guard ${g.status}: ${g.summary}`);
  for (const r of e.reachability.filter((x) => x.met_by === 0)) lines.push(`constraint: ${r.message}`);
  lines.push(...distillLines(e));
  for (const n of e.notes) lines.push(`note: ${n}`);
  if (e.fidelity?.found_on === 'low') lines.push(`fidelity: found on the low-fidelity workloads ${e.fidelity.explore_workloads}; confirmed on the full ones ${e.fidelity.confirm_workloads}`);
  if (e.cut_short_trials !== undefined) lines.push(`cut short: ${e.cut_short_trials} exploration trials stopped after their first repeats (clearly worse than the baseline or a limit)`);
  // Read-back of the knobs either side set (all of them would be a hundred lines for jemalloc).
  const optionKeys = new Set([...Object.keys(e.chosen.config), ...Object.keys(e.baseline.config)]);
  lines.push(...configLines('chosen', e.chosen, e.focus_metrics, optionKeys), ...configLines('baseline', e.baseline, e.focus_metrics, optionKeys));
  for (const d of e.duels) lines.push(`duel: ${d.challenger} vs ${d.opponent} on ${d.metric}: won ${d.wins}/${d.pairs}`);
  lines.push('intervals: 95% log-t (for the geometric mean) or median-order (for the median, latencies; a lower coverage is shown); format=json has every metric and option');
  return lines;
}

/** Evidence lines behind a comment marker such as `#`. */
export function evidenceComment(e: ExportEvidence, marker = '#'): string {
  // Names were checked at creation; escaping again keeps every comment on its line in any reader
  // (YAML, systemd, shell) even for records written before that check.
  return evidenceLines(e)
    .map((l) => `${marker} ${escapeUnprintable(l)}`)
    .join('\n');
}
