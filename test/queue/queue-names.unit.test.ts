import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRIAL_QUEUE_BASE, canonicalSelector, trialQueueName, workerQueueNames } from '../../src/queue/queue-names.js';

describe('queue names', () => {
  it('routes an empty selector to the base queue and sorts label keys', () => {
    assert.equal(trialQueueName({}), TRIAL_QUEUE_BASE);
    assert.equal(canonicalSelector({ zone: 'b', host: 'a' }), 'host=a,zone=b');
    assert.equal(trialQueueName({ zone: 'b', host: 'a' }), trialQueueName({ host: 'a', zone: 'b' }));
  });

  it('never produces a name with ":" (BullMQ rejects it), hashing unusual selectors', () => {
    const name = trialQueueName({ 'a:b': 'c d' });
    assert.ok(!name.includes(':') && !name.includes(' '));
    assert.match(name, /^alloctune-trials\.h-[0-9a-f]{24}$/);
  });

  it('makes a worker listen to the queue of every subset of its labels, including any job selector it matches', () => {
    const labels = { host: 'a', zone: 'b', disk: 'ssd' };
    const names = workerQueueNames(labels);
    assert.equal(names.length, 8);
    assert.equal(names[0], TRIAL_QUEUE_BASE);
    assert.ok(names.includes(trialQueueName({ zone: 'b' })));
    assert.ok(names.includes(trialQueueName({ disk: 'ssd', host: 'a' })));
    assert.ok(names.includes(trialQueueName(labels)));
    assert.ok(!names.includes(trialQueueName({ zone: 'c' })));
  });

  it('refuses more labels than it can listen to', () => {
    const labels = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, 'v']));
    assert.throws(() => workerQueueNames(labels), { code: 'ALLOCTUNE_ERR_INVALID_INPUT' });
  });
});
