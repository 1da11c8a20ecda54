import { parseArgs } from 'node:util';
import { resolveRedisTarget } from '../../redis/redis-target.js';
import { onShutdown } from '../shutdown-hooks.js';

/** `alloctune redis`: start the embedded Redis and keep it up until interrupted. */
export async function run(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {}, strict: true });
  const target = await resolveRedisTarget('');
  const stop = onShutdown(() => target.close());
  process.stdout.write(`embedded redis ready at ${target.url} (pid ${target.embedded?.pid}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    process.once('beforeExit', () => resolve());
  });
  await stop();
  return 0;
}
