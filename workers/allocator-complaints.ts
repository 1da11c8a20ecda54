import { AlloctuneError } from '../src/core/alloctune-error.js';

// jemalloc prefixes every conf diagnostic with "<jemalloc>: " on stderr and carries on with the
// default (allocator-knobs.md §1.2); mimalloc prints "mimalloc: warning: ..." for options it cannot use.
const COMPLAINT = /^(<jemalloc>: .*|mimalloc: (?:warning|error): .*)$/m;

/** The first line in which the allocator complains about its configuration, if any. */
export function allocatorComplaint(stderr: string): string | undefined {
  const match = COMPLAINT.exec(stderr);
  return match?.[1]?.trim();
}

/** An ALLOCATOR_REJECTED error quoting the allocator's own line, or undefined when it did not complain. */
export function rejectionFromStderr(stderr: string): AlloctuneError | undefined {
  const line = allocatorComplaint(stderr);
  return line === undefined ? undefined : new AlloctuneError('ALLOCTUNE_ERR_ALLOCATOR_REJECTED', { line: line.slice(0, 300) });
}
