import { AlloctuneError } from '../core/alloctune-error.js';

/**
 * A command line that cannot be run as written (unknown option, missing argument, bad value of an
 * option): exit status 2, where a failure while running is 1. `command` is the command whose
 * `--help` explains the right form (`campaign`, `bench optimizer`, ...).
 */
export class UsageError extends AlloctuneError {
  constructor(
    readonly command: string,
    field: string,
    reason: string,
  ) {
    super('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason });
    this.name = 'UsageError';
  }
}
