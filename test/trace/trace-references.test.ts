import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TraceDetailsSchema } from '../../src/core/replay-result.js';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import { TraceSidecarSchema, type TraceSidecar } from '../../src/core/trace-sidecar.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { TraceRunner } from '../../workers/runners/trace-runner.js';
import { targetEnv } from '../../workers/target-env.js';
import { TraceDir } from '../../workers/trace-dir.js';

// `alloctune trace record --reference-allocators`: python3 recorded under the tracer, then run
// untraced under glibc and jemalloc (real LD_PRELOAD); replays through the trace runner compare with
// the reference of their own allocator, say plainly when there is none, and an old sidecar without
// references still works. sqlite3 on a database the recording created fails its reference run.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-refs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: '/usr/bin:/bin', HOME: dir };

// Objects from malloc (PYTHONMALLOC=malloc), all alive together, then dropped.
const SCRIPT = 'kept = [str(i) * (i % 9) for i in range(20000)]\nkept.clear()\n';

const cli = (args: string[], extra: Record<string, string> = {}) =>
  runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...env, ...extra }, cwd: REPO_ROOT, timeoutMs: 120_000 });

function sidecarOf(name: string): TraceSidecar {
  return TraceSidecarSchema.parse(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')));
}

const runner = new TraceRunner(new TraceDir(dir));
const spec = (trace: string) => WorkloadSpecSchema.parse({ kind: 'trace', trace, snapshot_offsets_ms: [0] }) as Extract<ReturnType<typeof WorkloadSpecSchema.parse>, { kind: 'trace' }>;
const replay = (trace: string, allocator: string) =>
  runner.run(spec(trace), { env: targetEnv({ allocator, env: {} }), allocator, definition: allocatorDefinition(allocator), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 60_000 });

before(async () => {
  const made = await runGuarded('make', ['-s', '-C', `${REPO_ROOT}/native`], { env, timeoutMs: 120_000 });
  assert.equal(made.exitCode, 0, made.stderr);
  const rec = await cli(['trace', 'record', 'py', '--traces', dir, '--reference-allocators', 'glibc,jemalloc', '--', '/usr/bin/python3', '-c', SCRIPT], { PYTHONMALLOC: 'malloc' });
  assert.equal(rec.exitCode, 0, rec.stderr);
});

describe('trace record --reference-allocators', () => {
  it('stores an untraced run per allocator: wait4 figures, the object serving malloc() and its version read back', () => {
    const s = sidecarOf('py');
    assert.equal(s.schema, 'alloctune.trace-sidecar/2');
    assert.deepEqual(Object.keys(s.references), ['glibc', 'jemalloc']);
    assert.deepEqual(s.reference_problems, {});
    for (const [allocator, library] of [['glibc', 'libc.so'], ['jemalloc', 'libjemalloc.so']] as const) {
      const r = s.references[allocator];
      assert.ok(r !== undefined);
      assert.equal(r.exit_code, 0);
      assert.ok(r.peak_rss_kb > 1000 && r.wall_ms > 0 && r.user_ms + r.sys_ms > 0, JSON.stringify(r));
      assert.ok(basename(r.served_by ?? '').startsWith(library), `${allocator} served by ${r.served_by}`);
      assert.ok((r.version ?? '') !== '', `${allocator} version read back`);
    }
    assert.match(s.references['jemalloc']?.allocator_env['LD_PRELOAD'] ?? '', /libjemalloc\.so/);
    assert.equal(s.references['glibc']?.allocator_env['LD_PRELOAD'], '', 'glibc preloads nothing');
  });

  it('a replay under jemalloc states its ratios against the jemalloc reference; one under mimalloc says there is none and which allocators have one', async () => {
    const ref = sidecarOf('py').references['jemalloc'];
    assert.ok(ref !== undefined);
    const m = await replay('py', 'jemalloc');
    const { fidelity } = TraceDetailsSchema.parse(m.details);
    const c = fidelity.reference;
    assert.ok(c !== undefined);
    assert.equal(fidelity.match, true);
    assert.equal(c.allocator, 'jemalloc');
    assert.equal(c.available, true);
    assert.deepEqual(c.references_under, ['glibc', 'jemalloc']);
    assert.equal(c.original_peak_rss_bytes, ref.peak_rss_kb * 1024);
    assert.equal(c.replay_peak_rss_bytes, m.metrics['peak_rss_bytes']);
    assert.equal(c.peak_rss_ratio, c.replay_peak_rss_bytes / (ref.peak_rss_kb * 1024));
    assert.equal(c.wall_ratio, c.replay_wall_ms / ref.wall_ms);
    assert.equal(c.cpu_ratio, c.replay_cpu_ms / (ref.user_ms + ref.sys_ms));
    assert.equal(c.original_version, ref.version);
    assert.equal(m.metrics['peak_rss_vs_reference_ratio'], c.peak_rss_ratio);
    assert.match(c.statement, /^under jemalloc .*: replay peak RSS [\d.]+ MiB = [\d.]+x the untraced original's/);

    const other = TraceDetailsSchema.parse((await replay('py', 'mimalloc')).details).fidelity.reference;
    assert.equal(other?.available, false);
    assert.equal(other?.peak_rss_ratio, null);
    assert.equal(other?.original_peak_rss_bytes, null);
    assert.match(other?.statement ?? '', /^no untraced original under mimalloc to compare with: references exist under glibc, jemalloc \(record with --reference-allocators glibc,jemalloc,mimalloc\)$/);
  });

  it('an old sidecar (schema 1, no references) still reads: the traced run\'s ratio stays, and there is no reference to compare with', async () => {
    copyFileSync(join(dir, 'py.trace'), join(dir, 'old.trace'));
    const { references: _r, reference_problems: _p, ...rest } = JSON.parse(readFileSync(join(dir, 'py.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...rest, schema: 'alloctune.trace-sidecar/1', name: 'old' }));
    assert.deepEqual(sidecarOf('old').references, {});
    const m = await replay('old', 'glibc');
    const { fidelity } = TraceDetailsSchema.parse(m.details);
    assert.ok((fidelity.original.peak_rss_ratio ?? 0) > 0);
    assert.equal(fidelity.reference?.available, false);
    assert.match(fidelity.reference?.statement ?? '', /^no untraced original under glibc to compare with: the sidecar has no reference run under any allocator/);
    assert.equal('peak_rss_vs_reference_ratio' in m.metrics, false);
    const info = await cli(['trace', 'info', 'old', '--traces', dir]);
    assert.equal(info.exitCode, 0, info.stderr);
    assert.match(info.stdout, /untraced reference runs: none/);
    const infoNew = await cli(['trace', 'info', 'py', '--traces', dir]);
    assert.match(infoNew.stdout, /^ {2}jemalloc +\S+: \d+ ms wall, \d+ ms CPU, peak RSS \d+ kB, malloc\(\) from \/\S+libjemalloc\.so\.2$/m);
  });

  it('a reference run that ends otherwise than the recording is reported, not stored; unknown allocators are refused before anything runs', async () => {
    const db = join(dir, 'once.db');
    // The second run finds the table the first created: sqlite3 -bail exits 1.
    const rec = await cli(['trace', 'record', 'once', '--traces', dir, '--reference-allocators', 'glibc', '--', '/usr/bin/sqlite3', '-bail', db, 'CREATE TABLE t(x); INSERT INTO t VALUES (1);']);
    assert.equal(rec.exitCode, 0, rec.stderr);
    const s = sidecarOf('once');
    assert.deepEqual(s.references, {});
    assert.match(s.reference_problems['glibc'] ?? '', /ended with exit status 1, the recording with exit status 0/);
    assert.match(rec.stderr, /warning: no reference under glibc: /);
    const c = TraceDetailsSchema.parse((await replay('once', 'glibc')).details).fidelity.reference;
    assert.match(c?.statement ?? '', /^no untraced original under glibc to compare with: its reference run failed \(.*ended with exit status 1/);

    const bad = await cli(['trace', 'record', 'never', '--traces', dir, '--reference-allocators', 'glibc,nosuch,jemaloc', '--', '/usr/bin/true']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /invalid --reference-allocators: 'nosuch', 'jemaloc' are not allocators: each one of .*glibc.*jemalloc/);
    assert.equal(existsSync(join(dir, 'never.trace')), false);
  });
});
