import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

// The page's pure trace-fidelity wording (src/dashboard/public/trace-fidelity.js, a browser module
// with no DOM use), loaded as the browser loads it. A replay that loses ops cannot be produced
// honestly by a real worker (the replayer reproduces valid traces exactly), so the mismatch case
// is checked here, on a fidelity block shaped as the worker reports it.

interface Figure { recorded: string; replayed: string; ok: boolean; mark: string }
interface FidelityRecord { repeat: number; workload: string; trace: string; pace: string; ops: Figure; peakLive: Figure; match: boolean; problems: string[]; rss: { ratio: string; against: string } }
interface Module {
  compareFigure(recorded: number, replayed: number): Figure;
  rssComparison(original: unknown): { ratio: string; against: string };
  referenceComparison(reference: unknown): { ratio: string; statement: string };
  traceFidelityRecords(result: unknown): FidelityRecord[];
  fidelityMark(fidelity: string | undefined, spec: unknown): { fidelity: string; text: string; title: string } | undefined;
  fidelityStatement(fidelity: unknown): string | undefined;
}
const mod = (await import(pathToFileURL(join(REPO_ROOT, 'src', 'dashboard', 'public', 'trace-fidelity.js')).href)) as Module;

const recorded = { ops: 4000, peak_live_bytes: 2_500_000, peak_live_seq: 10, end_live_bytes: 1, threads: 2, objects: 9, failed_calls: 1, unknown_pointers: 0, ops_by_kind: {}, duration_ms: 4, file_bytes: 1, blocks: 1 };
const original = { peak_rss_bytes: 8 * 1048576, allocator: 'jemalloc', replay_peak_rss_bytes: 12 * 1048576, peak_rss_ratio: 1.5, same_allocator: true };
const result = (replayed: Record<string, number>, match: boolean, orig: unknown = original) => ({
  repeats: [
    {
      index: 0,
      workloads: [
        { kind: 'harness', label: 'other', details: {} },
        { kind: 'trace', label: 'frag', details: { trace: 'app', pace: 'asap', fidelity: { recorded, replayed: { ops: 4000, calls: 3999, peak_live_bytes: 2_500_000, end_live_bytes: 1, missing_ops: 0, failed_calls: 0, cross_thread_waits: 0, ...replayed }, match, original: orig } } },
      ],
      discarded: [],
    },
  ],
});

describe('trace fidelity wording (dashboard module)', () => {
  it('marks equal figures as a match and different ones as a mismatch with the difference', () => {
    assert.deepEqual(mod.compareFigure(4000, 4000), { recorded: '4,000', replayed: '4,000', ok: true, mark: 'match' });
    assert.deepEqual(mod.compareFigure(4000, 3990), { recorded: '4,000', replayed: '3,990', ok: false, mark: 'MISMATCH (-10)' });
    assert.equal(mod.compareFigure(10, 12).mark, 'MISMATCH (+2)');
  });

  it('reads a faithful replay from a stored result: trace measurements only, exact figures, the ratio and what it is against', () => {
    const [r, ...rest] = mod.traceFidelityRecords(result({}, true));
    assert.equal(rest.length, 0, 'the harness measurement has no fidelity block');
    assert.equal(r?.workload, 'frag');
    assert.equal(r?.trace, 'app');
    assert.equal(r?.match, true);
    assert.equal(r?.ops.mark, 'match');
    assert.equal(r?.peakLive.recorded, '2,500,000 bytes (2.384 MiB)');
    assert.deepEqual(r?.problems, []);
    assert.equal(r?.rss.ratio, '1.50×');
    assert.match(r?.rss.against ?? '', /replay peak RSS 12,582,912 bytes .* vs the recorded program's peak RSS 8,388,608 bytes \(8 MiB\) \(wait4 ru_maxrss, under jemalloc: same allocator as this replay\)/);
    assert.match(r?.pace ?? '', /^asap: /);
  });

  it('says FIDELITY LOST when the replay lost ops or peak live bytes, with why', () => {
    const [r] = mod.traceFidelityRecords(result({ ops: 3990, missing_ops: 10, peak_live_bytes: 2_400_000, failed_calls: 2 }, false));
    assert.equal(r?.match, false);
    assert.equal(r?.ops.mark, 'MISMATCH (-10)');
    assert.equal(r?.peakLive.mark, 'MISMATCH (-100,000)');
    assert.deepEqual(r?.problems, ['10 ops missing', '2 calls failed in the replay only']);
  });

  it('names a missing original or another allocator instead of a ratio that would mislead', () => {
    const unknown = mod.rssComparison({ peak_rss_bytes: null, allocator: null, replay_peak_rss_bytes: 1024, peak_rss_ratio: null, same_allocator: null, note: 'original peak RSS unknown: no sidecar NAME.json next to the trace' });
    assert.equal(unknown.ratio, '–');
    assert.match(unknown.against, /no sidecar NAME\.json/);
    const other = mod.rssComparison({ ...original, allocator: 'glibc', same_allocator: false, note: 'the original ran under glibc, this replay under jemalloc' });
    assert.match(other.against, /under glibc: NOT the allocator of this replay\)$/);
  });

  it('shows the untraced original under the same allocator when the recording has one, and says so when not', () => {
    const present = mod.referenceComparison({ available: true, peak_rss_ratio: 2.849, statement: 'under jemalloc 5.3.0: replay peak RSS 48.3 MiB = 2.85x the untraced original\'s 13.9 MiB' });
    assert.deepEqual(present, { ratio: '2.85×', statement: 'under jemalloc 5.3.0: replay peak RSS 48.3 MiB = 2.85x the untraced original\'s 13.9 MiB' });
    const absent = mod.referenceComparison({ available: false, peak_rss_ratio: null, statement: 'no untraced original under mimalloc to compare with: references exist under glibc' });
    assert.equal(absent.ratio, '–');
    assert.match(absent.statement, /no untraced original under mimalloc/);
    assert.match(mod.referenceComparison(undefined).statement, /no reference runs recorded/);
  });

  it('marks fidelity only in campaigns that have two, and states found-on/confirmed-on only for explore_with', () => {
    assert.equal(mod.fidelityMark('low', { workloads: [] }), undefined);
    const spec = { explore_with: { workloads: [{ kind: 'trace' }] } };
    assert.equal(mod.fidelityMark('low', spec)?.text, 'explore fidelity: trace replay');
    assert.equal(mod.fidelityMark(undefined, spec)?.text, 'full fidelity');
    assert.equal(mod.fidelityMark('low', { explore_with: { workloads: [{ kind: 'harness' }] } })?.text, 'explore fidelity');
    assert.equal(mod.fidelityStatement({ found_on: 'full', confirmed_on: 'full', explore_workloads: 'a', confirm_workloads: 'a' }), undefined);
    assert.equal(mod.fidelityStatement(undefined), undefined);
    assert.equal(
      mod.fidelityStatement({ found_on: 'low', confirmed_on: 'full', explore_workloads: 'frag trace app (asap)', confirm_workloads: 'frag {"target-mb":8}' }),
      'Found on the low-fidelity workloads frag trace app (asap); confirmed on the full-fidelity ones frag {"target-mb":8}.',
    );
  });
});
