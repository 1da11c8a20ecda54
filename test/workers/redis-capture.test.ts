import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { importRedisCapture } from '../../src/cli/commands/trace/redis-import.js';
import { createRedisRunner } from '../../workers/runners/redis-runner.js';
import { replayCapture } from '../../workers/runners/redis/capture-replay.js';
import type { StreamRecord } from '../../workers/runners/redis/mix-load.js';
import { startRedisServer, type RedisServerProcess } from '../../workers/runners/redis/redis-server.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';
import { TraceDir } from '../../workers/trace-dir.js';
import { targetEnv } from '../../workers/target-env.js';

// Capture replay end to end on real processes: redis-cli MONITOR records traffic of several types
// (binary values, two databases, a script, a connection and a blocking command), `trace redis-import` converts it, and
// redis-cli --pipe replays it into a fresh server, which must then hold the same keyspace.

type RedisSpec = Extract<WorkloadSpec, { kind: 'redis' }>;

const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
const traces = mkdtempSync(join(tmpdir(), 'alloctune-capture-'));
after(() => rmSync(traces, { recursive: true, force: true }));
const runner = createRedisRunner({ traceDir: new TraceDir(traces) });

const ctx: RunContext = { env: targetEnv({ allocator: 'jemalloc', env: {} }), allocator: 'jemalloc', definition: allocatorDefinition('jemalloc'), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 60_000 };

const startServer = (): Promise<RedisServerProcess> => startRedisServer({ serverPath: 'redis-server', cpus: '1', env: { PATH }, serverConfig: {}, startTimeoutMs: 10_000 });

function captureSpec(capture: string): RedisSpec {
  return WorkloadSpecSchema.parse({ kind: 'redis', options: { capture, snapshot_offsets_ms: [50], throughput: { enabled: false }, latency: { enabled: false } } }) as RedisSpec;
}

/** Every byte sdscatrepr escapes (quote, backslash, \n \r \t \a \b, \xHH) and a few it does not. */
const BINARY = Buffer.from([0x00, 0x01, 0x22, 0x5c, 0x0a, 0x0d, 0x09, 0x07, 0x08, 0x7f, 0x80, 0xff, 0x41, 0x20, 0x7e]);

async function traffic(c: Redis): Promise<void> {
  await c.set('str:plain', 'hello world');
  await c.set(Buffer.concat([Buffer.from('bin:'), BINARY]), BINARY);
  await c.set('quote"key\\', 'va"l\\ue');
  await c.set('str:temp', 'gone soon');
  await c.del('str:temp');
  await c.rpush('list:a', 'one', 'two', 'three');
  await c.lpush('list:a', BINARY);
  await c.hset('hash:a', 'f1', 'v1', 'f2', BINARY);
  await c.zadd('zset:a', 1, 'm1', 2.5, 'm2');
  await c.sadd('set:a', 'x', 'y', 'z');
  for (let i = 0; i < 3; i++) await c.incr('counter');
  await c.xadd('stream:a', '1-1', 'field', 'value');
  await c.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, 'lua:key', 'from lua');
  // MONITOR never shows admin commands (CONFIG, DEBUG ...); these two it shows, and replay must skip.
  await c.client('SETNAME', 'recorder');
  await c.blpop('nokey', 0.01);
  await c.select(2);
  await c.set('db2:key', 'in db 2');
  await c.select(0);
  await c.set('zz:end', '1');
}

/** Runs `traffic` against a fresh server under redis-cli MONITOR; the MONITOR output and the server, still running. */
async function recordMonitor(): Promise<{ text: string; origin: RedisServerProcess }> {
  const origin = await startServer();
  const monitor = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(origin.port), 'MONITOR'], { env: { PATH }, stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  monitor.stdout.on('data', (d: Buffer) => (text += d.toString('latin1')));
  try {
    for (let i = 0; i < 250 && !text.startsWith('OK'); i++) await delay(20);
    assert.ok(text.startsWith('OK'), 'MONITOR started');
    await traffic(origin.client);
    for (let i = 0; i < 250 && !text.includes('"zz:end"'); i++) await delay(20);
    assert.ok(text.includes('"zz:end"'), 'MONITOR saw the last command');
  } finally {
    monitor.kill('SIGKILL');
  }
  return { text, origin };
}

/** A key's type and content: its DUMP payload, but a set's sorted members (a hashtable set's order follows the server's random hash seed). */
async function content(c: Redis, k: Buffer): Promise<string> {
  const type = await c.type(k);
  if (type === 'set') return `set:${(await c.smembersBuffer(k)).map((b) => b.toString('hex')).sort().join(',')}`;
  return `${type}:${(await c.dumpBuffer(k)).toString('hex')}`;
}

/** db -> key (latin1) -> content, for every database with keys. */
async function keyspace(c: Redis): Promise<Map<number, Map<string, string>>> {
  const dbs = new Map<number, Map<string, string>>();
  for (const db of [0, 1, 2, 3]) {
    await c.select(db);
    const keys = await c.keysBuffer('*');
    if (keys.length === 0) continue;
    const m = new Map<string, string>();
    for (const k of keys) m.set(k.toString('latin1'), await content(c, k));
    dbs.set(db, m);
  }
  await c.select(0);
  return dbs;
}

test('a real MONITOR capture converts and replays into a fresh server with the same keyspace', async () => {
  const { text, origin } = await recordMonitor();
  try {
    const from = join(traces, 'monitor.txt');
    writeFileSync(from, text, 'latin1');
    const report = await importRedisCapture({ name: 'shop', from, traces, keepFlush: false, force: false });
    assert.equal(report.file, join(traces, 'shop.resp'));
    assert.equal(report.malformed.count, 0, JSON.stringify(report.malformed));
    assert.equal(report.commands['SET'], 6, 'the six SETs sent, not the one the script ran');
    assert.equal(report.commands['EVAL'], 1);
    assert.equal(report.commands['INCR'], 3);
    assert.deepEqual(Object.keys(report.skipped).sort(), ['BLPOP', 'CLIENT', 'SELECT', 'SET (in a script)']);
    assert.equal(report.skipped['SELECT']?.count, 2);
    assert.equal(report.selects_inserted, 2, 'into db 2 and back');
    assert.deepEqual(report.databases, [0, 2]);

    const fresh = await startServer();
    try {
      const target = { benchmarkPath: 'redis-benchmark', port: fresh.port, clientCpus: '0', timeoutMs: 20_000, env: { PATH } };
      const replay = await replayCapture(target, 'redis-cli', join(traces, 'shop.resp'));
      assert.deepEqual(replay, { errors: 0, replies: report.commands_total + report.selects_inserted, first_errors: [] });
      const want = await keyspace(origin.client);
      const got = await keyspace(fresh.client);
      assert.deepEqual([...want.keys()], [0, 2]);
      assert.deepEqual(got, want);
      assert.deepEqual(await fresh.client.getBuffer(Buffer.concat([Buffer.from('bin:'), BINARY])), BINARY);
      assert.equal(await fresh.client.get('quote"key\\'), 'va"l\\ue');
      assert.deepEqual(await fresh.client.lrangeBuffer('list:a', 0, -1), [BINARY, Buffer.from('one'), Buffer.from('two'), Buffer.from('three')]);
      assert.equal(await fresh.client.get('counter'), '3');
      assert.equal(await fresh.client.get('lua:key'), 'from lua');
    } finally {
      await fresh.stop();
    }
  } finally {
    await origin.stop();
  }

  // The Redis workload replays it in its load phase and reports its memory as the capture's.
  const m = await runner.run(captureSpec('shop'), ctx);
  const record = (m.details as { streams: StreamRecord[] }).streams[0] as StreamRecord;
  assert.equal(record.label, 'capture shop');
  assert.equal(m.metrics['capture_errors'], 0);
  assert.ok((m.metrics['capture_replies'] ?? 0) > 15);
  assert.ok((m.metrics['used_memory_delta_bytes_capture'] ?? 0) > 0);
  assert.equal(m.metrics['keys_after_load'], 11, 'db 0 as recorded (db 2 holds the twelfth key)');
});

test('a capture whose commands fail on replay reports its error count and the errors', async () => {
  const from = join(traces, 'failing.txt');
  writeFileSync(
    from,
    [
      'OK',
      '1700000000.000001 [0 127.0.0.1:5555] "SET" "k" "v"',
      '1700000000.000002 [0 127.0.0.1:5555] "LPUSH" "k" "x"',
      '1700000000.000003 [0 127.0.0.1:5555] "NOSUCHCOMMAND" "a"',
      '1700000000.000004 [0 127.0.0.1:5555] "SET" "k2" "v2"',
      '',
    ].join('\n'),
  );
  // Through the CLI as a user runs it: `trace redis-import` writes into $ALLOCTUNE_TRACES_DIR.
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/src/cli/main.js'), 'trace', 'redis-import', 'failing', '--from', from, '--json'], { encoding: 'utf8', env: { ...process.env, ALLOCTUNE_TRACES_DIR: traces } });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal((JSON.parse(cli.stdout) as { commands_total: number }).commands_total, 4);
  const m = await runner.run(captureSpec('failing'), ctx);
  assert.equal(m.metrics['capture_errors'], 2);
  assert.equal(m.metrics['capture_replies'], 4);
  const replay = ((m.details as { streams: StreamRecord[] }).streams[0] as StreamRecord).replay;
  assert.match(replay?.first_errors.join('\n') ?? '', /WRONGTYPE[\s\S]*unknown command 'NOSUCHCOMMAND'/);
  assert.equal(m.metrics['keys_after_load'], 2, 'the commands around the failures ran');
});

test('a hostile capture name is refused by the schema, by the runner and by redis-import', async () => {
  for (const name of ['../etc/passwd', '/etc/passwd', '.hidden', 'a b', 'x;rm -rf', '']) {
    const parsed = WorkloadSpecSchema.safeParse({ kind: 'redis', options: { capture: name } });
    assert.equal(parsed.success, false, name);
    assert.deepEqual(parsed.error?.issues.map((i) => i.path.join('.')), ['options.capture'], name);
    await assert.rejects(importRedisCapture({ name, from: '/etc/hostname', traces, keepFlush: false, force: false }), /not a trace name|capture is missing/);
  }
  const forged = { ...captureSpec('shop'), options: { ...captureSpec('shop').options, capture: '../../etc/passwd' } };
  await assert.rejects(runner.run(forged, ctx), (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_INVALID_INPUT') && /not a trace name/.test(e.message));
  await assert.rejects(runner.run(captureSpec('absent'), ctx), (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_SETUP') && /no redis capture file absent\.resp/.test(e.message));
  await assert.rejects(createRedisRunner().run(captureSpec('shop'), ctx), (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_SETUP') && /no trace directory/.test(e.message));
});
