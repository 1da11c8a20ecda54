import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redactRedisUrl, redisConnectionFrom } from '../../src/redis/redis-connection.js';

describe('Redis connection settings from flags and environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-redis-conn-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('is undefined without a URL (embedded Redis) and refuses TLS or password settings without one', () => {
    assert.equal(redisConnectionFrom({}, {}), undefined);
    assert.throws(() => redisConnectionFrom({}, { ALLOCTUNE_REDIS_TLS_CA: file('ca0.pem', 'x') }), /without a Redis URL/);
  });

  it('reads TLS files and a password file; flags win over variables', () => {
    const ca = file('ca.pem', 'CA PEM');
    const other = file('other.pem', 'OTHER');
    const connection = redisConnectionFrom(
      { redis: 'rediss://worker@h:6380', 'redis-tls-ca': ca, 'redis-password-file': file('pw', 'secret\n') },
      { REDIS_URL: 'redis://ignored:1', ALLOCTUNE_REDIS_TLS_CA: other, ALLOCTUNE_REDIS_PASSWORD: 'from-env' },
    );
    assert.deepEqual(connection, { url: 'rediss://worker@h:6380', tls: { ca: 'CA PEM' }, password: 'secret' });
    assert.deepEqual(redisConnectionFrom({}, { REDIS_URL: 'rediss://h:1', ALLOCTUNE_REDIS_PASSWORD: 'from-env' }), { url: 'rediss://h:1', password: 'from-env' });
  });

  it('names what is wrong: scheme, TLS files on redis://, half a client certificate, a password given twice, an unreadable file', () => {
    assert.throws(() => redisConnectionFrom({ redis: 'http://h:1' }, {}), /scheme must be redis:\/\/ or rediss:\/\//);
    assert.throws(() => redisConnectionFrom({ redis: 'redis://h:1', 'redis-tls-ca': file('ca1.pem', 'x') }, {}), /not rediss:\/\//);
    assert.throws(() => redisConnectionFrom({ redis: 'rediss://h:1', 'redis-tls-cert': file('c.pem', 'x') }, {}), /needs its key/);
    assert.throws(() => redisConnectionFrom({ redis: 'rediss://u:p@h:1' }, { ALLOCTUNE_REDIS_PASSWORD: 'q' }), /given twice/);
    assert.throws(() => redisConnectionFrom({ redis: 'rediss://h:1', 'redis-password-file': join(dir, 'missing') }, {}), /cannot read the Redis password file/);
  });

  it('never shows a password in what it logs', () => {
    assert.equal(redactRedisUrl('rediss://worker:s3cret@h:6380/0'), 'rediss://worker:***@h:6380/0');
    assert.equal(redactRedisUrl({ url: 'redis://:s3cret@h' }), 'redis://:***@h');
    assert.equal(redactRedisUrl('rediss://worker@h:6380'), 'rediss://worker@h:6380');
    assert.throws(() => redisConnectionFrom({ redis: 'rediss://u:s3cret@h:1:2' }, {}), (err: Error) => !err.message.includes('s3cret'));
  });
});
