import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { parseCpuList } from '../../src/sys/cpu-list.js';

test('parseCpuList accepts taskset lists and normalises them', () => {
  assert.deepEqual(parseCpuList('1'), [1]);
  assert.deepEqual(parseCpuList('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuList('3,0-1, 1'), [0, 1, 3]);
});

test('parseCpuList rejects anything that is not a CPU list', () => {
  for (const bad of ['', 'a', '1-', '3-1', '0;rm -rf /', '1,,2', '2000', '-1']) {
    assert.throws(() => parseCpuList(bad), (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_INVALID_INPUT'), bad);
  }
});
