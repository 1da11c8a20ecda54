import { ZodError } from 'zod';
import { AlloctuneError, isAlloctuneError } from '../core/alloctune-error.js';
import { UsageError } from './usage-error.js';

/** Exit status of a command line that cannot be run as written. */
export const EXIT_USAGE = 2;
/** Exit status of a command that failed while running. */
export const EXIT_FAILURE = 1;

function parseArgsProblem(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (!(err instanceof TypeError) || typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  // node:util parseArgs appends advice on '--' to unknown options; the first sentence says what is wrong.
  return err.message.split(/\.\s/)[0]?.replace(/\.$/, '') ?? err.message;
}

/** The catalogue error an unexpected error stands for. */
function asCatalogued(err: unknown): AlloctuneError {
  if (isAlloctuneError(err)) return err;
  if (err instanceof ZodError) {
    const reason = err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'input', reason });
  }
  const errno = err as NodeJS.ErrnoException;
  if (typeof errno.code === 'string' && typeof errno.syscall === 'string') {
    return new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `${errno.syscall} ${errno.path ?? ''}: ${errno.code}`.replace(' :', ':') });
  }
  return new AlloctuneError('ALLOCTUNE_ERR_INTERNAL', { reason: err instanceof Error ? err.message : String(err) });
}

/**
 * Report an error of `alloctune <command>` on stderr as one line, `alloctune <command>: CODE:
 * message` (a usage error adds where to find the right form), and return the exit status: 2 for
 * usage errors (unknown option, missing argument), 1 otherwise. The stack only with `debug`.
 */
export function reportError(err: unknown, command: string | undefined, debug: boolean, write: (text: string) => void): number {
  const argsProblem = parseArgsProblem(err);
  const usage = err instanceof UsageError || argsProblem !== undefined;
  const where = err instanceof UsageError ? err.command : command;
  const catalogued = argsProblem !== undefined ? new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'arguments', reason: argsProblem }) : asCatalogued(err);
  const prefix = where === undefined || where === '' ? 'alloctune' : `alloctune ${where}`;
  const hint = usage ? ` (see '${prefix} --help')` : '';
  // One line: allocator messages and HTTP replies may carry newlines.
  const message = catalogued.message.replace(/\s*\n\s*/g, ' ').trim();
  write(`${prefix}: ${catalogued.code}: ${message}${hint}\n`);
  if (debug && err instanceof Error && err.stack) write(`${err.stack}\n`);
  return usage ? EXIT_USAGE : EXIT_FAILURE;
}
