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
import { sqliteWorkload } from '../../experiments/trace-replay/sqlite-workload.js';
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

describe('tracing sqlite3 on a generated database', () => {
  it('the trace validates, lists sqlite3\'s one thread, its peak live bytes equal the raw records, and it replays exactly under glibc and jemalloc', async () => {
    const script = join(dir, 'workload.sql');
    writeFileSync(script, sqliteWorkload(ROWS));
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
