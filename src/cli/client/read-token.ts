import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../proc/repo-paths.js';

/** The service token: ALLOCTUNE_TOKEN, else the one `alloctune serve` keeps under the state directory. */
export function readToken(): string | undefined {
  const env = process.env['ALLOCTUNE_TOKEN'];
  if (env) return env;
  const file = join(stateDir(), 'token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
