import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { freeLoopbackPort } from '../../src/redis/free-port.js';
import { runRttProbe } from '../../workers/runners/redis/rtt-probe.js';

const dataDir = mkdtempSync(join(tmpdir(), 'alloctune-rttprobe-'));
let redis: EmbeddedRedis;

before(async () => {
  redis = await EmbeddedRedis.start({ dataDir });
});
after(async () => {
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('rttprobe reports ordered, plausible loopback percentiles for mixed SET/GET', async () => {
  const r = await runRttProbe({ port: redis.port, requests: 4000, value_bytes: 128, keys: 100, cpus: '0', timeout_ms: 30_000 });
  assert.equal(r.count, 4000);
  assert.equal(r.errors, 0);
  assert.equal(r.by_op.set.count, 2000);
  assert.equal(r.by_op.get.count, 2000);
  assert.ok(r.min_us <= r.p50_us && r.p50_us <= r.p90_us && r.p90_us <= r.p99_us && r.p99_us <= r.p999_us && r.p999_us <= r.max_us);
  // A loopback round trip to Redis takes microseconds to a few ms; anything else means a broken clock or parser.
  assert.ok(r.min_us > 1 && r.p50_us < 20_000, JSON.stringify(r));
  assert.ok(r.mean_us >= r.min_us && r.mean_us <= r.max_us);
});

test('rttprobe --op get fills its keys first, so every GET is a hit of the requested size', async () => {
  const r = await runRttProbe({ port: redis.port, requests: 500, warmup: 0, value_bytes: 4096, keys: 50, op: 'get', timeout_ms: 30_000 });
  assert.equal(r.by_op.get.count, 500);
  assert.equal(r.by_op.set.count, 0);
  assert.equal(r.value_bytes, 4096);
});

test('rttprobe exits 2 with a usage message on bad arguments', async () => {
  for (const args of [[], ['--port', '0'], ['--port', '6379', '--cpus', '1-0'], ['--port', '6379', '--host', 'a"b'], ['--port', '6379', '--bogus', '1']]) {
    const o = await runGuarded(nativeTool('rttprobe'), args, { env: {}, timeoutMs: 5000 });
    assert.equal(o.exitCode, 2, args.join(' '));
    assert.match(o.stderr, /usage: rttprobe/);
    assert.equal(o.stdout, '');
  }
});

test('rttprobe fails cleanly (exit 1) when nothing listens', async () => {
  const port = await freeLoopbackPort();
  await assert.rejects(runRttProbe({ port, requests: 10, value_bytes: 8, timeout_ms: 5000 }), (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_SETUP') && /Connection refused/.test((e as Error).message));
});
