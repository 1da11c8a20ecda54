import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { advertisedTraces, TraceDir } from '../../workers/trace-dir.js';

describe('the worker trace directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'alloctune-traces-'));
  const dir = join(root, 'traces');
  mkdirSync(dir);
  writeFileSync(join(dir, 'redis-small.trace'), 'x');
  writeFileSync(join(dir, 'redis-small.json'), '{}');
  writeFileSync(join(dir, 'shop.resp'), '*1\r\n$4\r\nPING\r\n');
  writeFileSync(join(dir, '.hidden.trace'), 'x');
  writeFileSync(join(root, 'secret.trace'), 'outside');
  symlinkSync(join(root, 'secret.trace'), join(dir, 'escape.trace'));
  mkdirSync(join(dir, 'adir.trace'));

  it('lists the names of each kind, never hidden or badly named files', () => {
    assert.deepEqual(advertisedTraces(new TraceDir(dir)), { trace: ['adir', 'escape', 'redis-small'], redis_capture: ['shop'] });
    assert.deepEqual(advertisedTraces(new TraceDir(undefined)), { trace: [], redis_capture: [] });
    assert.deepEqual(new TraceDir(join(root, 'missing')).list('trace'), []);
  });

  it('resolves a name to its file inside the directory', () => {
    assert.equal(new TraceDir(dir).resolve('redis-small', 'trace'), join(dir, 'redis-small.trace'));
    assert.equal(new TraceDir(dir).resolve('shop', 'redis_capture'), join(dir, 'shop.resp'));
  });

  it('refuses names that are paths, files outside the directory, directories and missing files, each with its reason', () => {
    const t = new TraceDir(dir);
    const reason = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        assert.ok(err instanceof AlloctuneError);
        return err.message;
      }
      assert.fail('expected an error');
    };
    assert.match(reason(() => t.resolve('../secret', 'trace')), /not a trace name/);
    assert.match(reason(() => t.resolve('.hidden', 'trace')), /not a trace name/);
    assert.match(reason(() => t.resolve('escape', 'trace')), /not a regular file inside/);
    assert.match(reason(() => t.resolve('adir', 'trace')), /not a regular file inside/);
    assert.match(reason(() => t.resolve('nothere', 'trace')), /no trace file nothere\.trace/);
    assert.match(reason(() => new TraceDir(undefined).resolve('redis-small', 'trace')), /no trace directory \(start it with --traces DIR\)/);
  });

  it('cleans up', () => rmSync(root, { recursive: true, force: true }));
});
