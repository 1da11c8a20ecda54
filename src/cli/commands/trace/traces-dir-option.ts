import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `--traces DIR`, shared by every `trace` subcommand. */
export const TRACES_OPTION = { traces: { type: 'string' } } as const;

export const TRACES_USAGE = `--traces DIR  trace directory (default: $ALLOCTUNE_TRACES_DIR, else ~/.alloctune/traces)`;

/** The trace directory: --traces, else ALLOCTUNE_TRACES_DIR, else ~/.alloctune/traces. */
export function tracesDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['ALLOCTUNE_TRACES_DIR'];
  return resolve(option ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.alloctune', 'traces')));
}
