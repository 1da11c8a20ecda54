import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeHarnessReport } from '../../experiments/harness-multithread/report.js';
import { writeRedisReport } from '../../experiments/redis-jemalloc/report.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

const temp = mkdtempSync(join(tmpdir(), 'alloctune-regenerate-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** Every file the report writes: report.md and plots/*.png. */
function reportFiles(dir: string): string[] {
  return ['report.md', ...readdirSync(join(dir, 'plots')).sort().map((f) => `plots/${f}`)];
}

function assertSameReport(committed: string, regenerated: string): void {
  assert.deepEqual(reportFiles(regenerated), reportFiles(committed), 'the same report and plot files');
  for (const file of reportFiles(committed)) {
    const a = readFileSync(join(committed, file));
    const b = readFileSync(join(regenerated, file));
    assert.ok(a.equals(b), `${file} regenerates byte for byte`);
  }
}

const reports = [
  { name: 'redis-jemalloc', write: writeRedisReport },
  { name: 'harness-multithread', write: writeHarnessReport },
] as const;

for (const { name, write } of reports) {
  test(`${name}: the report and its plots regenerate byte for byte from the committed raw files`, async () => {
    const root = join(REPO_ROOT, 'experiments', name);
    const out = join(temp, name);
    await write(out, root);
    assertSameReport(root, out);
  });
}

test('a change in the raw data changes the regenerated report', async () => {
  const committed = join(REPO_ROOT, 'experiments', 'redis-jemalloc');
  const root = join(temp, 'edited');
  cpSync(join(committed, 'raw'), join(root, 'raw'), { recursive: true });
  cpSync(join(committed, 'baseline-probe'), join(root, 'baseline-probe'), { recursive: true });
  cpSync(join(committed, 'first-run-raw'), join(root, 'first-run-raw'), { recursive: true });
  const boardFile = join(root, 'raw', 'leaderboard.json');
  const board = JSON.parse(readFileSync(boardFile, 'utf8')) as { rows: { arm: string; objective?: { mean: number } }[] };
  const base = board.rows.find((r) => r.arm === 'baseline');
  assert.ok(base?.objective, 'the committed leaderboard has a measured baseline');
  base.objective.mean *= 1.1;
  writeFileSync(boardFile, JSON.stringify(board));
  const out = join(temp, 'edited-out');
  await writeRedisReport(out, root);
  assert.notEqual(readFileSync(join(out, 'plots', 'convergence.png')).toString('base64'), readFileSync(join(committed, 'plots', 'convergence.png')).toString('base64'));
});
