import { parseArgs } from 'node:util';
import { resolveRedisTarget } from '../../redis/redis-target.js';
import { onShutdown } from '../shutdown-hooks.js';

/** `alloctune demo`: bring everything up on this machine and run a short real campaign. */
export async function run(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {}, strict: true });
  const target = await resolveRedisTarget();
  const stop = onShutdown(() => target.close());
  try {
    const where = target.embedded ? `embedded redis-server pid ${target.embedded.pid}` : 'REDIS_URL';
    process.stdout.write(`redis: ${target.url} (${where})\n`);
  } finally {
    await stop();
  }
  return 0;
}
