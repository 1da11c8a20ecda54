import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAllocatorComplaints } from '../../src/harness/allocator-complaints.js';

test('jemalloc conf errors are found once each, in order, even though jemalloc prints them twice', () => {
  const stderr = [
    '<jemalloc>: Invalid conf pair: foo:1',
    '<jemalloc>: Out-of-range conf value: narenas:0',
    '<jemalloc>: Invalid conf pair: foo:1',
    '<jemalloc>: Out-of-range conf value: narenas:0',
    '',
  ].join('\n');
  assert.deepEqual(findAllocatorComplaints(stderr), ['<jemalloc>: Invalid conf pair: foo:1', '<jemalloc>: Out-of-range conf value: narenas:0']);
});

test('the abort_conf abort line is a complaint, confirm_conf information is not', () => {
  const stderr = [
    '<jemalloc>: malloc_conf #4 (string pointed to by environment variable MALLOC_CONF): "narenas:2"',
    '<jemalloc>: -- Set conf value: narenas:2',
    '<jemalloc>: Abort (abort_conf:true) on invalid conf value (see above).',
  ].join('\n');
  assert.deepEqual(findAllocatorComplaints(stderr), ['<jemalloc>: Abort (abort_conf:true) on invalid conf value (see above).']);
});

test('mimalloc warnings and tcmalloc failures are complaints; verbose and large-alloc reports are not', () => {
  const stderr = [
    "mimalloc: option 'decommit_delay': 25",
    'mimalloc: warning: environment option mimalloc_decommit_delay has an invalid value.',
    'src/central_freelist.cc:330] tcmalloc: allocation failed 24576',
    'tcmalloc: large alloc 1073741824 bytes == 0x55d1 @',
    'allocbench: some harness diagnostic',
  ].join('\n');
  assert.deepEqual(findAllocatorComplaints(stderr), [
    'mimalloc: warning: environment option mimalloc_decommit_delay has an invalid value.',
    'src/central_freelist.cc:330] tcmalloc: allocation failed 24576',
  ]);
});

test('silence and unrelated output give no complaint', () => {
  assert.deepEqual(findAllocatorComplaints(''), []);
  assert.deepEqual(findAllocatorComplaints('warming up\nallocbench: done\n'), []);
});
