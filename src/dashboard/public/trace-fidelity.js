// What the page says about trace replays, as plain data (no DOM, so it is unit-tested in Node):
// did a replay reproduce its recording (ops, peak live bytes), how its peak RSS compares with the
// recorded program's, and at which fidelity a trial or a leaderboard row was measured. The figures
// are the worker's (details.fidelity of a trace measurement, workers/runners/trace-runner.ts) and
// the export's (evidence.fidelity); nothing is recomputed here.
import { num } from './dom.js';

/** An exact count with thousands separators: a match is exact, so the figure is too. */
export function exact(n) {
  return typeof n === 'number' ? n.toLocaleString('en') : '–';
}

/** Bytes exactly, with MiB beside them for reading. */
export function exactBytes(n) {
  return typeof n === 'number' ? `${exact(n)} bytes (${num(n / 1048576)} MiB)` : '–';
}

/** Recorded against replayed: `match` when equal, else `MISMATCH` with the difference. */
export function compareFigure(recorded, replayed, format = exact) {
  const ok = recorded === replayed;
  const diff = replayed - recorded;
  return { recorded: format(recorded), replayed: format(replayed), ok, mark: ok ? 'match' : `MISMATCH (${diff > 0 ? '+' : ''}${exact(diff)})` };
}

const PACES = {
  asap: 'asap: calls issued as fast as the replayer can (the recording\'s timing ignored)',
  recorded: 'recorded: calls paced at the recording\'s timing',
};

/** What a pace means, in words. */
export function paceText(pace) {
  return PACES[pace] ?? String(pace ?? 'unknown');
}

/** The replay's peak RSS against the recorded program's, naming what it is compared against. */
export function rssComparison(original) {
  if (!original) return { ratio: '–', against: 'no original run recorded' };
  const replay = `replay peak RSS ${exactBytes(original.replay_peak_rss_bytes)}`;
  if (original.peak_rss_ratio === null || original.peak_rss_bytes === null) {
    return { ratio: '–', against: `${replay}; ${original.note ?? 'original peak RSS unknown'}` };
  }
  const allocator = original.allocator === null ? 'the allocator it loaded itself' : original.allocator;
  const same = original.same_allocator === true ? 'same allocator as this replay' : original.same_allocator === false ? 'NOT the allocator of this replay' : 'allocator not compared';
  const note = original.note && original.same_allocator !== false ? `; ${original.note}` : '';
  return {
    ratio: `${original.peak_rss_ratio.toFixed(2)}×`,
    against: `${replay} vs the recorded program's peak RSS ${exactBytes(original.peak_rss_bytes)} (wait4 ru_maxrss, under ${allocator}: ${same})${note}`,
  };
}

/**
 * The replay against the untraced original under the trial's own allocator (`trace record
 * --reference-allocators`; the worker's fidelity.reference): its ratio and the worker's statement,
 * which says plainly when the recording has no reference under that allocator.
 */
export function referenceComparison(reference) {
  if (!reference) return { ratio: '–', statement: 'no reference runs recorded (an older trace)' };
  const ratio = reference.available && typeof reference.peak_rss_ratio === 'number' ? `${reference.peak_rss_ratio.toFixed(2)}×` : '–';
  return { ratio, statement: String(reference.statement ?? '') };
}

/**
 * One record per trace measurement of a stored trial result (`GET .../trials/:tid`), in repeat
 * order: ops and peak live bytes recorded vs replayed, the replayer's own verdict, the RSS ratio.
 */
export function traceFidelityRecords(result) {
  return (result?.repeats ?? []).flatMap((r) =>
    r.workloads
      .filter((w) => w.kind === 'trace' && w.details?.fidelity)
      .map((w) => {
        const f = w.details.fidelity;
        return {
          repeat: r.index,
          workload: w.label,
          trace: String(w.details.trace ?? '?'),
          pace: paceText(w.details.pace),
          ops: compareFigure(f.recorded.ops, f.replayed.ops),
          peakLive: compareFigure(f.recorded.peak_live_bytes, f.replayed.peak_live_bytes, exactBytes),
          // The replayer's verdict also counts missing ops and calls that failed only in the replay.
          match: f.match === true,
          problems: [
            f.replayed.missing_ops > 0 ? `${exact(f.replayed.missing_ops)} ops missing` : '',
            f.replayed.failed_calls > 0 ? `${exact(f.replayed.failed_calls)} calls failed in the replay only` : '',
          ].filter(Boolean),
          rss: rssComparison(f.original),
          reference: referenceComparison(f.reference),
        };
      }),
  );
}

/** Whether the campaign explores on a trace standing in for a real workload (spec `explore_with`). */
export function exploresOnTrace(spec) {
  return (spec?.explore_with?.workloads ?? []).some((w) => w.kind === 'trace');
}

/**
 * The mark of a trial or leaderboard row in a campaign with `explore_with` (`fidelity`: the API's
 * `fidelity` field, `low` or absent); undefined when the campaign runs one fidelity only.
 */
export function fidelityMark(fidelity, spec) {
  if (!spec?.explore_with) return undefined;
  const trace = exploresOnTrace(spec);
  if (fidelity === 'low') {
    return {
      fidelity: 'low',
      text: trace ? 'explore fidelity: trace replay' : 'explore fidelity',
      title: trace
        ? 'measured on the trace replay standing in for the program (explore_with): its RSS is the replayer\'s, not comparable with a full-fidelity run'
        : 'measured on the cheaper explore_with workloads: not comparable with a full-fidelity run',
    };
  }
  return { fidelity: 'full', text: 'full fidelity', title: trace ? 'measured on the real program (the campaign\'s workloads)' : 'measured on the campaign\'s workloads' };
}

/** The export's "found on, confirmed on" line (evidence.fidelity), as its text format words it; undefined without explore_with. */
export function fidelityStatement(fidelity) {
  if (fidelity?.found_on !== 'low') return undefined;
  return `Found on the low-fidelity workloads ${fidelity.explore_workloads}; confirmed on the ${fidelity.confirmed_on}-fidelity ones ${fidelity.confirm_workloads}.`;
}
