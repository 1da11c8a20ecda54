import type { ConfigValue } from '../../../src/core/config.js';

/** One `opt.*` line of `MEMORY MALLOC-STATS`: the option as parsed and, when jemalloc shows it, the run-time value. */
export interface JemallocOption {
  value: ConfigValue;
  /** The value in parentheses, e.g. `opt.background_thread: false (background_thread: true)`. */
  runtime?: ConfigValue;
}

function scalar(text: string): ConfigValue {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^".*"$/.test(t)) return t.slice(1, -1);
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/** The `opt.NAME: value [(other: runtime)]` lines of jemalloc's text statistics, keyed NAME. */
export function parseJemallocOptions(mallocStats: string): Record<string, JemallocOption> {
  const options: Record<string, JemallocOption> = {};
  for (const line of mallocStats.split(/\r?\n/)) {
    const m = /^\s*opt\.([A-Za-z0-9_.]+): (.*?)(?: \(([A-Za-z0-9_.]+): (.*)\))?$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    const option: JemallocOption = { value: scalar(m[2]) };
    if (m[4] !== undefined) option.runtime = scalar(m[4]);
    options[m[1]] = option;
  }
  return options;
}

/** A MALLOC_CONF pair whose read-back value differs from what was set. */
export interface OptionMismatch {
  key: string;
  set: string;
  read: ConfigValue | null;
}

/** A pair that jemalloc accepted but something changed at run time (Redis's `jemalloc-bg-thread` for background_thread). */
export interface OptionOverride {
  key: string;
  set: string;
  runtime: ConfigValue;
}

/** What reading MALLOC_CONF back through `opt.*` showed. */
export interface MallocConfCheck {
  mismatches: OptionMismatch[];
  overrides: OptionOverride[];
  /** Keys jemalloc has no `opt.*` line for (narenas_ratio, bin_shards ... allocator-knobs.md §6). */
  unreadable: string[];
}

const sameValue = (set: string, read: ConfigValue): boolean => String(read) === set || (typeof read === 'number' && Number(set) === read);

/** Compares every `key:value` pair of `mallocConf` with the options jemalloc reports. */
export function checkMallocConf(mallocConf: string | undefined, options: Record<string, JemallocOption>): MallocConfCheck {
  const check: MallocConfCheck = { mismatches: [], overrides: [], unreadable: [] };
  if (mallocConf === undefined || mallocConf === '') return check;
  for (const pair of mallocConf.split(',')) {
    const at = pair.indexOf(':');
    const key = at < 0 ? pair : pair.slice(0, at);
    const set = at < 0 ? '' : pair.slice(at + 1);
    const option = options[key];
    if (option === undefined) {
      check.unreadable.push(key);
    } else if (!sameValue(set, option.value)) {
      check.mismatches.push({ key, set, read: option.value });
    } else if (option.runtime !== undefined && !sameValue(set, option.runtime)) {
      check.overrides.push({ key, set, runtime: option.runtime });
    }
  }
  return check;
}
