import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../proc/repo-paths.js';

/**
 * The bearer token: `ALLOCTUNE_TOKEN` when set, else the one stored under the state directory,
 * else a new one written there (mode 0600). `created` tells the caller to print it once.
 */
export function serviceToken(env: NodeJS.ProcessEnv = process.env): { token: string; created: boolean; file?: string } {
  const fromEnv = env['ALLOCTUNE_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, created: false };
  const dir = stateDir();
  const file = join(dir, 'token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), created: false, file };
  mkdirSync(dir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, created: true, file };
}
