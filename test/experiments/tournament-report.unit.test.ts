import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeTournamentReport } from '../../experiments/tournament/report.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

const committed = join(REPO_ROOT, 'experiments', 'tournament', 'tiny-run');
const temp = mkdtempSync(join(tmpdir(), 'alloctune-tournament-report-'));
after(() => rmSync(temp, { recursive: true, force: true }));

test('the tournament reports regenerate byte for byte from the committed raw files (the experiment and the proof run)', () => {
  const experiment = join(REPO_ROOT, 'experiments', 'tournament');
  for (const [raw, report] of [[join(experiment, 'raw'), join(experiment, 'report.md')], [committed, join(committed, 'report.md')]] as const) {
    const out = mkdtempSync(join(temp, 'same-'));
    writeTournamentReport(raw, out);
    assert.ok(readFileSync(join(out, 'report.md')).equals(readFileSync(report)), `${report} is what report.ts makes of ${raw}`);
  }
});

test('a change in the raw data changes the report', () => {
  const root = join(temp, 'edited');
  cpSync(committed, root, { recursive: true });
  const file = join(root, 'larson', 'leaderboard.json');
  const view = JSON.parse(readFileSync(file, 'utf8')) as { per_threads: { ranking: { arm: string; improvement: number | null }[] }[] };
  const row = view.per_threads[0]?.ranking.find((r) => r.arm !== 'baseline');
  assert.ok(row, 'a ranked arm in the committed data');
  row.improvement = (row.improvement ?? 0) + 0.5;
  writeFileSync(file, JSON.stringify(view));
  writeTournamentReport(root, join(temp, 'edited-out'));
  assert.notEqual(readFileSync(join(temp, 'edited-out', 'report.md'), 'utf8'), readFileSync(join(committed, 'report.md'), 'utf8'));
});
