import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { syntheticTable } from '../optimizer/synthetic-table.js';

const dir = mkdtempSync(join(tmpdir(), 'alloctune-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function bench(args: string[]) {
  return runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', ...args], { env: { ...process.env }, cwd: REPO_ROOT, timeoutMs: 120_000 });
}

describe('alloctune bench optimizer', () => {
  it('replays random and GP campaigns, prints JSON and writes the same report to --out', async () => {
    const table = join(dir, 'table.json');
    const out = join(dir, 'report.json');
    writeFileSync(table, JSON.stringify(syntheticTable()));
    const res = await bench(['optimizer', '--table', table, '--sampler', 'random,gp', '--seeds', '3', '--budget', '12', '--out', out, '--json']);
    assert.equal(res.exitCode, 0, res.stderr);
    const printed = JSON.parse(res.stdout);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), printed);
    assert.deepEqual(printed.results.map((r: { sampler: string }) => r.sampler), ['random', 'gp']);
    for (const r of printed.results) {
      assert.equal(r.trials_to_target.length, 3);
      assert.equal(r.placebo.campaigns, 3);
      assert.equal(r.budget, 12);
    }
  });

  it('exits 2 with usage on bad arguments and 1 on an invalid table', async () => {
    const bad = await bench(['optimizer', '--table', 'x.json', '--sampler', 'annealing']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /--sampler must be one of random, gp, ensemble/);
    assert.equal((await bench(['optimizer', '--sampler', 'gp'])).exitCode, 2);
    assert.equal((await bench(['nothing'])).exitCode, 2);
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ space: 'jemalloc', rows: [] }));
    const res = await bench(['optimizer', '--table', invalid, '--sampler', 'gp']);
    assert.equal(res.exitCode, 1);
    assert.match(res.stderr, /ALLOCTUNE_ERR_INVALID_INPUT/);
  });
});
