import { UsageError } from '../usage-error.js';
import type { CommandRun } from '../command-registry.js';

/** One `alloctune trace <verb>`: its usage line(s) and its module, loaded when used. */
interface TraceSubcommand {
  usage: string;
  load: () => Promise<{ run: CommandRun }>;
}

/** Every `trace` subcommand; a new one (e.g. redis-import) is one entry here. */
const SUBCOMMANDS: Record<string, TraceSubcommand> = {
  record: { usage: 'alloctune trace record NAME [--traces DIR] [--allocator A] [--follow-forks] [--follow-exec] [--json] -- CMD ARGS...', load: () => import('./trace/record.js') },
  info: { usage: 'alloctune trace info NAME [--traces DIR] [--json]', load: () => import('./trace/info.js') },
  'redis-import': { usage: 'alloctune trace redis-import NAME --from MONITOR.txt [--traces DIR] [--keep-flush] [--force] [--json]', load: () => import('./trace/redis-import.js') },
};

const USAGE = `usage: ${Object.values(SUBCOMMANDS)
  .map((s) => s.usage)
  .join('\n       ')}
  Record a program's allocations into NAME.trace (+ NAME.json) in the trace directory, describe one,
  or convert redis-cli MONITOR output into a Redis capture NAME.resp there.
  alloctune trace <verb> --help for the options of each.
`;

/** `alloctune trace record|info|redis-import ...`. */
export async function run(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--help' || verb === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const entry = verb === undefined ? undefined : SUBCOMMANDS[verb];
  if (entry === undefined) {
    throw new UsageError('trace', 'verb', `${verb === undefined ? 'missing' : `unknown '${verb.slice(0, 64)}'`}: one of ${Object.keys(SUBCOMMANDS).join(', ')}`);
  }
  return (await entry.load()).run(rest);
}
