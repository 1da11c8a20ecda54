import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MonitorConverter, type CaptureImportReport } from '../../../core/redis-capture-import.js';
import { TRACE_FILE_SUFFIX, TraceNameSchema } from '../../../core/trace-name.js';
import { UsageError } from '../../usage-error.js';
import { TRACES_OPTION, TRACES_USAGE, tracesDir } from './traces-dir-option.js';

const COMMAND = 'trace redis-import';

const USAGE = `usage: alloctune trace redis-import NAME --from MONITOR.txt [--traces DIR] [--keep-flush] [--force] [--json]
  Converts the output of \`redis-cli MONITOR\` into the Redis capture DIR/NAME${TRACE_FILE_SUFFIX.redis_capture} (RESP, as
  \`redis-cli --pipe\` sends it), which a Redis workload replays in its load phase with "capture": "NAME".
  Commands that must not be replayed (SHUTDOWN, CONFIG, DEBUG, FLUSHALL/FLUSHDB, SCRIPT, MODULE,
  REPLICAOF, SAVE, ACL, CLIENT, blocking commands, lines a script ran ...) are skipped and reported with why.
  ${TRACES_USAGE}; a worker serves it with worker --traces DIR
  --keep-flush   replay FLUSHALL and FLUSHDB too
  --force        replace an existing capture of that name
  --json         print the report as JSON
`;

/** Where and how to convert one MONITOR file. */
export interface RedisImportRequest {
  name: string;
  from: string;
  traces: string;
  keepFlush: boolean;
  force: boolean;
}

/** Converts `from` into `traces/NAME.resp` (written whole, then renamed into place) and reports what it kept and skipped. */
export async function importRedisCapture(req: RedisImportRequest): Promise<CaptureImportReport & { file: string }> {
  if (!TraceNameSchema.safeParse(req.name).success) throw new UsageError(COMMAND, 'NAME', `'${req.name.slice(0, 80)}' is not a trace name ([a-z0-9][a-z0-9._-]{0,63})`);
  const file = join(resolve(req.traces), `${req.name}${TRACE_FILE_SUFFIX.redis_capture}`);
  if (!req.force && existsSync(file)) throw new UsageError(COMMAND, 'NAME', `${file} exists (--force replaces it)`);
  if (!existsSync(req.from)) throw new UsageError(COMMAND, '--from', `no file ${req.from}`);
  const converter = new MonitorConverter({ keepFlush: req.keepFlush });
  const partial = `${file}.partial-${process.pid}`;
  const out = createWriteStream(partial, { flags: 'wx' });
  try {
    // latin1: one character per byte, so that every byte of an argument survives (MONITOR escapes the unprintable ones).
    const lines = createInterface({ input: createReadStream(req.from, { encoding: 'latin1' }), crlfDelay: Infinity });
    for await (const line of lines) {
      const resp = converter.push(line);
      if (resp !== undefined && !out.write(resp)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    renameSync(partial, file);
  } catch (err) {
    out.destroy();
    rmSync(partial, { force: true });
    throw err;
  }
  return { ...converter.report(), file };
}

function reportText(r: CaptureImportReport & { file: string }): string {
  const by = Object.entries(r.commands).sort((a, b) => b[1] - a[1]);
  const lines = [
    `wrote ${r.file}: ${r.commands_total} commands from ${r.lines} lines (databases ${r.databases.join(', ') || 'none'}; ${r.selects_inserted} SELECT inserted)`,
    ...by.map(([c, n]) => `  ${c.padEnd(16)} ${n}`),
  ];
  const skipped = Object.entries(r.skipped);
  if (skipped.length > 0) lines.push('skipped:', ...skipped.map(([c, s]) => `  ${c.padEnd(16)} ${s.count}  ${s.reason}`));
  if (r.malformed.count > 0) lines.push(`not MONITOR lines: ${r.malformed.count}`, ...r.malformed.first.map((m) => `  line ${m.line}: ${m.reason}`));
  return `${lines.join('\n')}\n`;
}

/** `alloctune trace redis-import NAME --from FILE [--traces DIR]`. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      from: { type: 'string' },
      ...TRACES_OPTION,
      'keep-flush': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError(COMMAND, 'NAME', 'the name of the capture is missing');
  if (extra.length > 0) throw new UsageError(COMMAND, 'NAME', `one name, got also '${extra.join(' ')}'`);
  if (values.from === undefined) throw new UsageError(COMMAND, '--from', 'the MONITOR output file is missing');
  const report = await importRedisCapture({ name, from: values.from, traces: tracesDir(values.traces), keepFlush: values['keep-flush'], force: values.force });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
  return 0;
}
