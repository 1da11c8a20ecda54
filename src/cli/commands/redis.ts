import { parseArgs } from 'node:util';
import { aclRules, type RedisRole } from '../../redis/redis-acl.js';
import { resolveRedisTarget } from '../../redis/redis-target.js';
import { onShutdown } from '../shutdown-hooks.js';
import { UsageError } from '../usage-error.js';

const ROLES: readonly RedisRole[] = ['service', 'worker'];

const USAGE = `usage: alloctune redis              start the embedded Redis and keep it up until interrupted
       alloctune redis acl ROLE     print the ACL rules a ${ROLES.join(' or a ')} needs (for ACL SETUSER or an aclfile)
`;

/** `alloctune redis`: the embedded Redis, or `redis acl ROLE` for a shared one. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] === 'acl') {
    const role = positionals[1] as RedisRole | undefined;
    if (role === undefined || !ROLES.includes(role) || positionals.length > 2) {
      throw new UsageError('redis', 'ROLE', `${role === undefined ? 'missing' : `'${positionals.slice(1).join(' ')}'`}: one of ${ROLES.join(', ')}`);
    }
    process.stdout.write(`${aclRules(role)}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('redis', 'arguments', `unknown argument '${positionals[0]}'`);
  const target = await resolveRedisTarget('');
  const stop = onShutdown(() => target.close());
  process.stdout.write(`embedded redis ready at ${target.url} (pid ${target.embedded?.pid}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    process.once('beforeExit', () => resolve());
  });
  await stop();
  return 0;
}
