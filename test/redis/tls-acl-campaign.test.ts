import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { aclRules } from '../../src/redis/redis-acl.js';
import { openRedis } from '../../src/redis/redis-connection.js';
import { startCli, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js';

const TOKEN = 'tls-acl-token';
const SERVICE_PASSWORD = 'service-secret-7f3a';
const WORKER_PASSWORD = 'worker-secret-91c2';

/** Flags that give a worker the TLS material and its password file, as the README recipe does. */
function workerArgs(redis: TlsRedis, passwordFile: string, url = `rediss://worker@127.0.0.1:${redis.port}`): string[] {
  return ['worker', '--redis', url, '--redis-tls-ca', redis.pki.caFile, '--redis-tls-cert', redis.pki.clientCertFile, '--redis-tls-key', redis.pki.clientKeyFile,
    '--redis-password-file', passwordFile, '--lock-ms', '4000', '--stalled-ms', '2000', '--heartbeat-ms', '500'];
}

describe('service and worker over TLS with ACL users (a real TLS redis-server, real CLI processes)', () => {
  let redis: TlsRedis;
  let admin: Redis;
  let service: CliProcess;
  let worker: CliProcess;
  let serviceUrl: string;
  let workerPasswordFile: string;

  before(async () => {
    redis = await startTlsRedis({ service: `${aclRules('service')} >${SERVICE_PASSWORD}`, worker: `${aclRules('worker')} >${WORKER_PASSWORD}` });
    admin = openRedis(redis.connection('admin', 'admin-pass'));
    workerPasswordFile = join(redis.pki.dir, 'worker.password');
    writeFileSync(workerPasswordFile, `${WORKER_PASSWORD}\n`, { mode: 0o600 });
    // The service takes everything from the environment; the password never appears in its argv.
    service = startCli(['serve', '--port', '0'], {
      ALLOCTUNE_TOKEN: TOKEN,
      REDIS_URL: `rediss://service@127.0.0.1:${redis.port}`,
      ALLOCTUNE_REDIS_PASSWORD: SERVICE_PASSWORD,
      ALLOCTUNE_REDIS_TLS_CA: redis.pki.caFile,
      ALLOCTUNE_REDIS_TLS_CERT: redis.pki.clientCertFile,
      ALLOCTUNE_REDIS_TLS_KEY: redis.pki.clientKeyFile,
    });
    serviceUrl = await until('service start', async () => /serving on (http:\/\/\S+)/.exec(service.log())?.[1], 60_000, service.log);
    worker = startCli([...workerArgs(redis, workerPasswordFile), '--name', 'tls-w1']);
    await until('worker registration', async () => (await admin.hlen('alloctune:workers')) === 1, 60_000, worker.log);
  });
  after(async () => {
    await worker.stop();
    await service.stop();
    admin.disconnect();
    await redis.stop();
  });

  it('runs a small campaign to the end, with no ACL denial and no password in any command line', async () => {
    const created = await fetch(`${serviceUrl}/v1/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(smallCampaign({ name: 'over tls' })),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { campaign } = (await created.json()) as { campaign: { id: string } };
    const status = await until(
      'campaign end',
      async () => {
        const body = (await (await fetch(`${serviceUrl}/v1/campaigns/${campaign.id}`)).json()) as { campaign: { state: string; stop_reason?: string } };
        return body.campaign.state === 'running' ? undefined : body.campaign;
      },
      300_000,
      () => service.log() + worker.log(),
    );
    assert.equal(status.state, 'finished', JSON.stringify(status));
    const trials = (await (await fetch(`${serviceUrl}/v1/campaigns/${campaign.id}/trials`)).json()) as { trials: { state: string }[] };
    assert.ok(trials.trials.length >= 4);
    assert.ok(trials.trials.every((t) => t.state === 'completed'), JSON.stringify(trials.trials.map((t) => t.state)));
    const exported = await fetch(`${serviceUrl}/v1/campaigns/${campaign.id}/export?format=env`);
    assert.equal(exported.status, 200);
    // Server-sent events: the backlog (XRANGE) and the live reader (XREAD on its own connection).
    const events = await fetch(`${serviceUrl}/v1/campaigns/${campaign.id}/events`, { signal: AbortSignal.timeout(30_000) });
    let text = '';
    for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      if (text.includes('event: campaign_finished')) break;
    }
    assert.match(text, /event: trial_completed[\s\S]*event: campaign_finished/);
    assert.deepEqual(await admin.call('ACL', 'LOG', '10'), [], 'no command was refused by the ACL');
    for (const pid of [service.proc.pid, worker.proc.pid]) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      assert.ok(!argv.includes(SERVICE_PASSWORD) && !argv.includes(WORKER_PASSWORD), argv);
    }
    assert.doesNotMatch(service.log() + worker.log(), new RegExp(`${SERVICE_PASSWORD}|${WORKER_PASSWORD}`));
  });

  it('`alloctune redis acl ROLE` prints the rules this test runs under', async () => {
    for (const role of ['service', 'worker'] as const) {
      const cli = startCli(['redis', 'acl', role]);
      const outcome = await cli.proc.done;
      assert.equal(outcome.exitCode, 0, cli.log());
      assert.equal(cli.log().trim(), aclRules(role));
    }
  });

  it('the worker user cannot touch campaign records, trial records or the server configuration', async () => {
    const asWorker = openRedis(redis.connection('worker', WORKER_PASSWORD), { maxRetriesPerRequest: 0 });
    try {
      for (const attempt of [
        () => asWorker.set('alloctune:campaign:forged', '{}'),
        () => asWorker.hset('alloctune:campaign:forged:trials', 't1', '{}'),
        () => asWorker.get('alloctune:campaign:forged:optimizer'),
        // The controller is the one writer of a campaign's event stream.
        () => asWorker.xadd('alloctune:events:forged', '*', 'type', 'campaign_finished'),
        () => asWorker.flushall(),
        () => asWorker.config('SET', 'dir', '/tmp'),
        () => asWorker.keys('*'),
      ]) {
        await assert.rejects(attempt(), /NOPERM/);
      }
      // What a worker legitimately writes still works.
      assert.equal(await asWorker.hset('alloctune:workers', 'probe', '{}'), 1);
      await asWorker.hdel('alloctune:workers', 'probe');
    } finally {
      asWorker.disconnect();
    }
  });

  it('a wrong password, a missing CA and plain text to the TLS port stop the worker at start with a clear message', async () => {
    const wrong = join(redis.pki.dir, 'wrong.password');
    writeFileSync(wrong, 'not-the-password\n');
    const cases: { args: string[]; expect: RegExp }[] = [
      { args: workerArgs(redis, wrong), expect: /refused the credentials \(WRONGPASS/ },
      { args: workerArgs(redis, workerPasswordFile, `redis://worker@127.0.0.1:${redis.port}`).filter((a, i, all) => !a.startsWith('--redis-tls') && !all[i - 1]?.startsWith('--redis-tls')), expect: /closed the connection without answering.*use rediss:\/\// },
      { args: ['worker', '--redis', `rediss://worker@127.0.0.1:${redis.port}`, '--redis-password-file', workerPasswordFile], expect: /TLS verification .* failed .*--redis-tls-ca/ },
      { args: ['worker', '--redis', `redis://worker@127.0.0.1:${redis.port}`, '--redis-tls-ca', redis.pki.caFile], expect: /not rediss:\/\// },
    ];
    for (const { args, expect } of cases) {
      const started = Date.now();
      const cli = startCli([...args, '--name', 'tls-bad']);
      const outcome = await cli.proc.done;
      assert.notEqual(outcome.exitCode, 0, cli.log());
      assert.match(cli.log(), expect);
      assert.ok(Date.now() - started < 30_000, 'it fails at once instead of reconnecting forever');
      assert.doesNotMatch(cli.log(), /not-the-password|worker-secret/);
    }
  });
});
