import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { REDIS_SERVER_DIRECTIVES, serverConfigProblems } from '../../src/core/redis-server-directives.js';
import { RedisWorkloadOptionsSchema } from '../../src/core/redis-workload.js';
import { startTempRedis } from '../helpers/temp-redis.js';

describe('redis-server directive allow-list', () => {
  let redis: Awaited<ReturnType<typeof startTempRedis>>;
  let client: Redis;
  before(async () => {
    redis = await startTempRedis('alloctune-directives-');
    client = new Redis(redis.server.url, { maxRetriesPerRequest: null });
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('every allowed directive exists in the installed redis-server, and its default passes its own rule', async () => {
    for (const name of REDIS_SERVER_DIRECTIVES.keys()) {
      const reply = (await client.call('CONFIG', 'GET', name)) as string[];
      assert.equal(reply[0], name, `${name} is a redis-server ${await client.info('server').then((i) => /redis_version:(\S+)/.exec(i)?.[1])} directive`);
      const value = reply[1] ?? '';
      assert.deepEqual(serverConfigProblems({ [name]: value }), [], `${name} default '${value}'`);
    }
  });

  it('refuses networking, files, modules, users, persistence and scripts, and prototype names', () => {
    const refused = ['bind', 'port', 'protected-mode', 'include', 'loadmodule', 'dir', 'dbfilename', 'logfile', 'unixsocket', 'user', 'aclfile',
      'save', 'appendonly', 'appendfilename', 'tls-port', 'requirepass', 'rename-command', 'enable-debug-command', 'daemonize', 'pidfile',
      'replicaof', 'lua-time-limit', 'constructor', 'toString', 'hasOwnProperty'];
    for (const name of refused) {
      const problems = serverConfigProblems({ [name]: 'yes' });
      assert.equal(problems.length, 1, name);
      assert.equal(problems[0]?.directive, name);
      assert.match(problems[0]?.message ?? '', /not an allowed redis-server directive/);
    }
  });

  it('checks values per rule: yes/no, integer ranges, memory sizes, enums; nothing with spaces or newlines', () => {
    const ok = { 'jemalloc-bg-thread': 'no', hz: '500', maxmemory: '512mb', 'maxmemory-policy': 'allkeys-lfu', 'list-max-listpack-size': '-2', 'io-threads': '4' };
    assert.deepEqual(serverConfigProblems(ok), []);
    const bad: Record<string, string> = {
      'jemalloc-bg-thread': 'YES',
      hz: '501',
      'active-defrag-cycle-min': '0',
      'io-threads': '129',
      maxmemory: '2tb',
      'maxmemory-samples': '1e3',
      'maxmemory-policy': 'lru',
      'hash-max-listpack-entries': '12 ',
      'lazyfree-lazy-user-del': 'yes\nloadmodule /x.so',
    };
    assert.deepEqual(serverConfigProblems(bad).map((p) => p.directive).sort(), Object.keys(bad).sort());
  });

  it('the workload schema names each refused directive under server_config', () => {
    const parsed = RedisWorkloadOptionsSchema.safeParse({ server_config: { include: '/tmp/evil.conf', hz: '0', 'jemalloc-bg-thread': 'no' } });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues.map((i) => i.path.join('.')).sort(), ['server_config.hz', 'server_config.include']);
  });
});
