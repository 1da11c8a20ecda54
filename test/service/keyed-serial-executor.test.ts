import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedSerialExecutor } from '../../src/service/keyed-serial-executor.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('keyed serial executor', () => {
  it('runs the tasks of one key one at a time, in submission order', async () => {
    const serial = new KeyedSerialExecutor();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      assert.equal(running, 1, `${name} overlaps another task of its key`);
      log.push(`${name} start`);
      await turn();
      await turn();
      log.push(`${name} end`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((n) => serial.run('k', task(n))));
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('lets other keys run meanwhile, and a failing task rejects only itself', async () => {
    const serial = new KeyedSerialExecutor();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const blocked = serial.run('slow', () => new Promise<void>((resolve) => (release = resolve)).then(() => log.push('slow done')));
    await serial.run('fast', async () => log.push('fast done'));
    assert.deepEqual(log, ['fast done'], 'the other key did not wait');
    const failing = serial.run('slow', async () => {
      throw new Error('boom');
    });
    const after = serial.run('slow', async () => log.push('after the failure'));
    release();
    await blocked;
    await assert.rejects(failing, /boom/);
    await after;
    assert.deepEqual(log, ['fast done', 'slow done', 'after the failure']);
    await serial.drain();
  });
});
