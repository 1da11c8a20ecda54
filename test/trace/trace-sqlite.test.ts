import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { recordTrace } from '../../src/trace/record-trace.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../src/trace/trace-reader.js';
import { traceStats } from '../../src/trace/trace-stats.js';
import { rawPeaks, readRaw } from './raw-trace.js';
import { replaysFaithfully } from './replay-check.js';

// sqlite3 (Debian's, scripts/bootstrap.mjs installs it) recorded on a generated database workload:
// 20k inserts in one transaction, an index, queries, deleting half, VACUUM; then replayed.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: '/usr/bin:/bin' };
const ROWS = 20_000;

before(async () => {
  const made = await runGuarded('make', ['-s', '-C', `${REPO_ROOT}/native`], { env, timeoutMs: 120_000 });
  assert.equal(made.exitCode, 0, made.stderr);
});

/** One INSERT per row (the parser and the B-tree both allocate), values of varying length. */
function workload(): string {
  const lines = ['CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, note TEXT);', 'BEGIN;'];
  for (let i = 1; i <= ROWS; i++) lines.push(`INSERT INTO t VALUES(${i}, 'name-${(i * 7919) % ROWS}', ${(i % 997) / 7}, '${'n'.repeat(8 + ((i * 31) % 180))}');`);
  lines.push(
    'COMMIT;',
    'CREATE INDEX t_name ON t(name);',
    "SELECT count(*) FROM t WHERE name LIKE 'name-1%';",
    'SELECT name, sum(score) FROM t GROUP BY name % 100 ORDER BY 2 DESC LIMIT 5;',
    'SELECT count(*), max(length(note)) FROM t;',
    'DELETE FROM t WHERE id % 2 = 0;',
    'VACUUM;',
    'SELECT count(*) FROM t;',
  );
  return `${lines.join('\n')}\n`;
}

describe('tracing sqlite3 on a generated database', () => {
  it('the trace validates, lists sqlite3\'s one thread, its peak live bytes equal the raw records, and it replays exactly under glibc and jemalloc', async () => {
    const script = join(dir, 'workload.sql');
    writeFileSync(script, workload());
    const name = 'sqlite';
    const rec = await recordTrace({
      name,
      dir,
      command: '/usr/bin/sqlite3',
      args: ['-batch', '-bail', join(dir, 'work.db'), `.read ${script}`],
      allocator: 'glibc',
      followForks: false,
      followExec: false,
      env,
      timeoutMs: 120_000,
    });
    assert.equal(rec.sidecar.exit_code, 0, rec.stderr);
    // The last query counts what DELETE left: the workload really ran.
    assert.equal(rec.stdout.trim().split('\n').at(-1), String(ROWS / 2));
    const file = join(dir, `${name}.trace`);
    const trace = readTrace(file, { columns: true }) as TraceContents & { columns: TraceColumns };
    assert.equal(rec.sidecar.trace.records, trace.records);
    assert.ok(trace.records > ROWS, `${trace.records} records`);
    assert.deepEqual(trace.threads.map((t) => t.os_tid), [trace.header['pid']]);
    const stats = traceStats(trace);
    const raw = rawPeaks(readRaw(file));
    assert.equal(stats.peak_live.requested_bytes, raw.requested);
    assert.equal(stats.peak_live.usable_bytes, raw.usable);
    assert.ok(stats.ops.malloc.calls > ROWS && stats.ops.free.calls > ROWS, JSON.stringify(stats.ops));
    await replaysFaithfully(dir, name, stats.peak_live.requested_bytes, 'glibc', ['glibc', 'jemalloc']);
  });
});
