import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { AlloctuneError } from '../src/core/alloctune-error.js';
import { TRACE_FILE_SUFFIX, TraceNameSchema, type TraceFileKind } from '../src/core/trace-name.js';

/**
 * The worker's directory of traces and captures. Jobs carry names; this is the one place a name
 * becomes a path, and the path is checked to stay inside the directory after symlinks resolve.
 */
export class TraceDir {
  constructor(readonly dir: string | undefined) {}

  /** Names of the files of one kind present now (what the worker advertises). */
  list(kind: TraceFileKind): string[] {
    if (this.dir === undefined) return [];
    const suffix = TRACE_FILE_SUFFIX[kind];
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch {
      return [];
    }
    return entries
      .filter((f) => f.endsWith(suffix))
      .map((f) => f.slice(0, -suffix.length))
      .filter((n) => TraceNameSchema.safeParse(n).success)
      .sort();
  }

  /** The absolute path of `name`'s file of `kind`; a clear error when it is not there. */
  resolve(name: string, kind: TraceFileKind): string {
    if (!TraceNameSchema.safeParse(name).success) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'trace', reason: `'${name.slice(0, 80)}' is not a trace name ([a-z0-9][a-z0-9._-]{0,63})` });
    }
    if (this.dir === undefined) {
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `trace '${name}': this worker has no trace directory (start it with --traces DIR)` });
    }
    const path = join(this.dir, `${name}${TRACE_FILE_SUFFIX[kind]}`);
    let real: string;
    let root: string;
    try {
      real = realpathSync(path);
      root = realpathSync(this.dir);
    } catch {
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `trace '${name}': no ${kind.replace('_', ' ')} file ${name}${TRACE_FILE_SUFFIX[kind]} in this worker's trace directory ${this.dir}` });
    }
    if (!real.startsWith(root + sep) || !statSync(real).isFile()) {
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `trace '${name}': ${path} is not a regular file inside ${this.dir}` });
    }
    return real;
  }
}

/** What a worker publishes about its trace directory, re-read on each heartbeat (traces may be recorded meanwhile). */
export function advertisedTraces(dir: TraceDir): { trace: string[]; redis_capture: string[] } {
  return { trace: dir.list('trace'), redis_capture: dir.list('redis_capture') };
}
