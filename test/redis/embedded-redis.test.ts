import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { resolveRedisTarget } from '../../src/redis/redis-target.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { processAlive, waitGone } from '../helpers/process-alive.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-redis-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('embedded redis', () => {
  it('keeps data across a stop and a restart (append-only file)', async () => {
    const dataDir = tempDir();
    const first = await EmbeddedRedis.start({ dataDir });
    const client = new Redis(first.url);
    await client.set('alloctune:test:kept', 'across-restart');
    await client.quit();
    const firstPid = first.pid;
    await first.stop();
    assert.equal(processAlive(firstPid), false, 'server process gone after stop()');

    const second = await EmbeddedRedis.start({ dataDir });
    try {
      assert.notEqual(second.pid, firstPid);
      const again = new Redis(second.url);
      assert.equal(await again.get('alloctune:test:kept'), 'across-restart');
      assert.equal(await again.config('GET', 'appendonly').then((r) => (r as string[])[1]), 'yes');
      assert.equal(await again.config('GET', 'bind').then((r) => (r as string[])[1]), '127.0.0.1');
      await again.quit();
    } finally {
      await second.stop();
    }
  });

  it('stop() is idempotent', async () => {
    const server = await EmbeddedRedis.start({ dataDir: tempDir() });
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();
    assert.equal(processAlive(server.pid), false);
  });

  it('dies with its owner even when the owner is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const script = [
      `import { EmbeddedRedis } from ${JSON.stringify(join(REPO_ROOT, 'src/redis/embedded-redis.ts'))};`,
      `const s = await EmbeddedRedis.start({ dataDir: ${JSON.stringify(dataDir)} });`,
      `process.stdout.write(String(s.pid) + '\\n');`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let text = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(Number.parseInt(text, 10));
      });
      owner.on('exit', (code) => reject(new Error(`owner exited early with ${code}`)));
    });
    assert.ok(processAlive(pid), 'redis-server running while its owner lives');
    owner.kill('SIGKILL');
    assert.ok(await waitGone(pid, 10_000), 'redis-server gone after its owner was SIGKILLed');
  });

  it('uses REDIS_URL when given instead of starting a server', async () => {
    const server = await EmbeddedRedis.start({ dataDir: tempDir() });
    try {
      const target = await resolveRedisTarget(server.url);
      assert.equal(target.url, server.url);
      assert.equal(target.embedded, undefined);
      await target.close();
      assert.ok(processAlive(server.pid), 'closing a REDIS_URL target leaves that server alone');
    } finally {
      await server.stop();
    }
  });
});
