import { AlloctuneError } from '../../../src/core/alloctune-error.js';
import { findAllocatorComplaints } from '../../../src/harness/allocator-complaints.js';

/** ALLOCATOR_REJECTED quoting the allocator's first complaint on redis-server's stderr, or undefined. */
export function rejectionFromStderr(stderr: string): AlloctuneError | undefined {
  const complaints = findAllocatorComplaints(stderr);
  const first = complaints[0];
  return first === undefined ? undefined : new AlloctuneError('ALLOCTUNE_ERR_ALLOCATOR_REJECTED', { line: first.slice(0, 300), complaints: complaints.length });
}
