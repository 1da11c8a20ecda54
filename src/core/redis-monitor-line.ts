/**
 * One line of `redis-cli MONITOR` output (Redis 7.0 replicationFeedMonitors):
 * `1700000000.123456 [0 127.0.0.1:5555] "SET" "key" "value"`, the source `lua` for commands a script
 * ran and `unix:/path` for a Unix socket client. Each argument is quoted by sdscatrepr: `\\` `\"`
 * `\n` `\r` `\t` `\a` `\b` escaped, other bytes outside 0x20-0x7e as `\xHH`, the rest as they are.
 */
export interface MonitorLine {
  /** Seconds since the epoch, as printed. */
  time: string;
  db: number;
  /** `127.0.0.1:5555`, `[::1]:5555`, `unix:/path`, `lua`. */
  source: string;
  args: Buffer[];
}

const NAMED_ESCAPES: Readonly<Record<string, number>> = { '\\': 0x5c, '"': 0x22, n: 0x0a, r: 0x0d, t: 0x09, a: 0x07, b: 0x08 };
const HEX = /^[0-9a-fA-F]{2}$/;

/** Why a line is not a MONITOR line, or the line. */
export type MonitorParse = { ok: true; line: MonitorLine } | { ok: false; reason: string };

/** Decodes the quoted arguments that follow the `] `; `text` holds one byte per character (latin1). */
function parseArgs(text: string): Buffer[] | string {
  const args: Buffer[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') return `argument ${args.length + 1} does not start with a quote at column ${i + 1}`;
    i++;
    const bytes: number[] = [];
    let closed = false;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        closed = true;
        i++;
        break;
      }
      if (c !== '\\') {
        bytes.push(c.charCodeAt(0));
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === 'x' && HEX.test(text.slice(i + 2, i + 4))) {
        bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
      } else if (e !== undefined && NAMED_ESCAPES[e] !== undefined) {
        bytes.push(NAMED_ESCAPES[e]);
        i += 2;
      } else {
        return `unknown escape \\${e ?? ''} in argument ${args.length + 1}`;
      }
    }
    if (!closed) return `argument ${args.length + 1} has no closing quote (truncated line?)`;
    args.push(Buffer.from(bytes));
    if (i < text.length) {
      if (text[i] !== ' ') return `no space after argument ${args.length}`;
      i++;
      if (i === text.length) return 'a trailing space after the last argument';
    }
  }
  return args.length === 0 ? 'no command' : args;
}

/** Parses one MONITOR line given as latin1 text (one character per byte). */
export function parseMonitorLine(text: string): MonitorParse {
  const head = /^(\d+\.\d+) \[(\d+) /.exec(text);
  if (!head) return { ok: false, reason: 'not a MONITOR line (expected "<seconds>.<micros> [<db> <client>] ...")' };
  const rest = text.slice(head[0].length);
  // The source never holds `] "` (an address, a socket path without it, or `lua`); the arguments start after it.
  const end = rest.indexOf('] "');
  if (end < 0) return { ok: false, reason: 'no "] " before the first argument' };
  const args = parseArgs(rest.slice(end + 2));
  if (typeof args === 'string') return { ok: false, reason: args };
  return { ok: true, line: { time: head[1] as string, db: Number(head[2]), source: rest.slice(0, end), args } };
}

/** A command as RESP: `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument (what `redis-cli --pipe` sends). */
export function respCommand(args: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`, 'latin1'), a, Buffer.from('\r\n', 'latin1'));
  return Buffer.concat(parts);
}
