import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';

/** A throwaway Redis for one test file: started in a temp dir, removed by `stop`. */
export async function startTempRedis(prefix = 'alloctune-test-'): Promise<{ server: EmbeddedRedis; dataDir: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const server = await EmbeddedRedis.start({ dataDir });
  return {
    server,
    dataDir,
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
