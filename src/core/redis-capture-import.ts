import { parseMonitorLine, respCommand } from './redis-monitor-line.js';
import { REPLAY_SKIPS, SCRIPT_SOURCE_SKIP } from './redis-replay-skips.js';

/** What a conversion of MONITOR output kept, skipped and could not read. */
export interface CaptureImportReport {
  lines: number;
  /** Commands written to the capture, by upper-case name (inserted SELECTs not counted). */
  commands: Record<string, number>;
  commands_total: number;
  /** SELECTs written so that each command runs in the database it was recorded in. */
  selects_inserted: number;
  /** Skipped commands by name, with why. */
  skipped: Record<string, { count: number; reason: string }>;
  /** Lines that are not MONITOR lines: how many, and the first few with why. */
  malformed: { count: number; first: { line: number; reason: string }[] };
  databases: number[];
}

const FIRST_MALFORMED = 10;

/**
 * Converts `redis-cli MONITOR` output to RESP, line by line (see redis-monitor-line.ts for the
 * format): drops what must not be replayed (redis-replay-skips.ts), inserts a SELECT where the
 * database changes, and keeps count of everything.
 */
export class MonitorConverter {
  private db = 0;
  private readonly dbs = new Set<number>();
  private readonly r: CaptureImportReport = { lines: 0, commands: {}, commands_total: 0, selects_inserted: 0, skipped: {}, malformed: { count: 0, first: [] }, databases: [] };

  constructor(private readonly options: { keepFlush: boolean }) {}

  /** One line of output (latin1 text, no line end); the RESP to write for it, if any. */
  push(text: string): Buffer | undefined {
    this.r.lines++;
    // redis-cli MONITOR prints OK first; an empty line is the end of a file.
    if (text === '' || (text === 'OK' && this.r.lines === 1)) return undefined;
    const parsed = parseMonitorLine(text);
    if (!parsed.ok) {
      this.r.malformed.count++;
      if (this.r.malformed.first.length < FIRST_MALFORMED) this.r.malformed.first.push({ line: this.r.lines, reason: parsed.reason });
      return undefined;
    }
    const { line } = parsed;
    const name = (line.args[0] as Buffer).toString('latin1').toUpperCase();
    const rule = REPLAY_SKIPS[name];
    const reason = line.source === 'lua' ? SCRIPT_SOURCE_SKIP : rule !== undefined && !(rule.flush && this.options.keepFlush) ? rule.reason : undefined;
    if (reason !== undefined) {
      const key = line.source === 'lua' ? `${name} (in a script)` : name;
      const s = (this.r.skipped[key] ??= { count: 0, reason });
      s.count++;
      return undefined;
    }
    this.r.commands[name] = (this.r.commands[name] ?? 0) + 1;
    this.r.commands_total++;
    this.dbs.add(line.db);
    const out: Buffer[] = [];
    if (line.db !== this.db) {
      out.push(respCommand([Buffer.from('SELECT'), Buffer.from(String(line.db))]));
      this.r.selects_inserted++;
      this.db = line.db;
    }
    out.push(respCommand(line.args));
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  report(): CaptureImportReport {
    return { ...this.r, databases: [...this.dbs].sort((a, b) => a - b) };
  }
}
