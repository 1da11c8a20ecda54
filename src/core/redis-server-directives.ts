/**
 * The redis-server directives a campaign may set (`workloads[].options.server_config`): settings that
 * change what the redis workload measures (allocator behaviour, memory limits, background work,
 * encodings). Names and ranges checked against redis-server 7.0.15 (`CONFIG GET *`, `CONFIG SET`
 * limits, start-up errors). Everything else (bind, port, protected-mode, include, loadmodule, dir,
 * dbfilename, logfile, unixsocket, user, aclfile, save, appendonly, tls-*, ...) is refused: it would
 * expose the benchmark server, read or write files, or load code on the worker.
 */

/** How a directive's value is checked. */
export type DirectiveValueRule =
  | { kind: 'yes-no' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'memory'; max_bytes: number }
  | { kind: 'enum'; choices: readonly string[] };

interface DirectiveEntry {
  rule: DirectiveValueRule;
  /** Why a measurement may want it. */
  why: string;
}

const YES_NO: DirectiveValueRule = { kind: 'yes-no' };
const GIB = 1024 ** 3;
/** Encoding thresholds: 0..1e9 (Redis takes up to LLONG_MAX; beyond a billion entries nothing changes). */
const THRESHOLD: DirectiveValueRule = { kind: 'integer', min: 0, max: 1_000_000_000 };

const TABLE: Record<string, DirectiveEntry> = {
  'jemalloc-bg-thread': { rule: YES_NO, why: "Redis sets jemalloc's background_thread from this, overriding MALLOC_CONF (redis-measurement.md)" },
  activedefrag: { rule: YES_NO, why: 'active defragmentation; Debian builds refuse it at start (stock jemalloc), other builds run it' },
  'active-defrag-ignore-bytes': { rule: { kind: 'memory', max_bytes: 1024 * GIB }, why: 'fragmentation waste below which defrag stays idle' },
  'active-defrag-threshold-lower': { rule: { kind: 'integer', min: 0, max: 1000 }, why: 'fragmentation % at which defrag starts' },
  'active-defrag-threshold-upper': { rule: { kind: 'integer', min: 0, max: 1000 }, why: 'fragmentation % at which defrag works hardest' },
  'active-defrag-cycle-min': { rule: { kind: 'integer', min: 1, max: 99 }, why: 'least CPU % spent defragmenting' },
  'active-defrag-cycle-max': { rule: { kind: 'integer', min: 1, max: 99 }, why: 'most CPU % spent defragmenting' },
  'active-defrag-max-scan-fields': { rule: { kind: 'integer', min: 1, max: 1_000_000_000 }, why: 'fields per step of the main dictionary scan' },
  hz: { rule: { kind: 'integer', min: 1, max: 500 }, why: 'background task frequency (expiry, defrag, lazy free); Redis clamps to 1..500' },
  'dynamic-hz': { rule: YES_NO, why: 'scales hz with the number of clients' },
  'active-expire-effort': { rule: { kind: 'integer', min: 1, max: 10 }, why: 'CPU spent reclaiming expired keys' },
  maxmemory: { rule: { kind: 'memory', max_bytes: 1024 * GIB }, why: 'memory limit that triggers eviction' },
  'maxmemory-policy': {
    rule: { kind: 'enum', choices: ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] },
    why: 'which keys go when maxmemory is reached',
  },
  'maxmemory-samples': { rule: { kind: 'integer', min: 1, max: 64 }, why: 'eviction sample size (accuracy vs CPU)' },
  'maxmemory-eviction-tenacity': { rule: { kind: 'integer', min: 0, max: 100 }, why: 'how long one eviction pass may run' },
  'lazyfree-lazy-eviction': { rule: YES_NO, why: 'frees evicted values in a background thread' },
  'lazyfree-lazy-expire': { rule: YES_NO, why: 'frees expired values in a background thread' },
  'lazyfree-lazy-server-del': { rule: YES_NO, why: 'frees values overwritten or renamed by the server in a background thread' },
  'lazyfree-lazy-user-del': { rule: YES_NO, why: 'DEL behaves like UNLINK (the scattered delete frees in the background)' },
  'lazyfree-lazy-user-flush': { rule: YES_NO, why: 'FLUSHALL/FLUSHDB free in the background' },
  'io-threads': { rule: { kind: 'integer', min: 1, max: 128 }, why: 'threads writing replies (more allocating threads, more arenas)' },
  'io-threads-do-reads': { rule: YES_NO, why: 'I/O threads also read and parse requests' },
  'hash-max-listpack-entries': { rule: THRESHOLD, why: 'hash encoding threshold: listpack vs hashtable changes allocation sizes' },
  'hash-max-listpack-value': { rule: THRESHOLD, why: 'hash encoding threshold by value length' },
  'zset-max-listpack-entries': { rule: THRESHOLD, why: 'sorted-set encoding threshold' },
  'zset-max-listpack-value': { rule: THRESHOLD, why: 'sorted-set encoding threshold by value length' },
  'set-max-intset-entries': { rule: THRESHOLD, why: 'integer-set encoding threshold' },
  'list-max-listpack-size': { rule: { kind: 'integer', min: -5, max: 1_000_000_000 }, why: 'quicklist node size (-5..-1: 64..4 KiB; positive: entries)' },
  'list-compress-depth': { rule: THRESHOLD, why: 'uncompressed quicklist nodes at each end' },
  'stream-node-max-bytes': { rule: { kind: 'memory', max_bytes: GIB }, why: 'stream node size' },
  'stream-node-max-entries': { rule: THRESHOLD, why: 'entries per stream node' },
};

/** The allow-list, by directive name (a Map, so that `constructor` or `__proto__` are just unknown names). */
export const REDIS_SERVER_DIRECTIVES: ReadonlyMap<string, DirectiveEntry> = new Map(Object.entries(TABLE));

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: GIB };

function valueProblem(rule: DirectiveValueRule, value: string): string | undefined {
  switch (rule.kind) {
    case 'yes-no':
      return value === 'yes' || value === 'no' ? undefined : `must be yes or no, got '${value}'`;
    case 'integer': {
      const ok = /^-?\d{1,12}$/.test(value) && Number(value) >= rule.min && Number(value) <= rule.max;
      return ok ? undefined : `must be an integer in [${rule.min}, ${rule.max}], got '${value}'`;
    }
    case 'memory': {
      const m = /^(\d{1,15})([a-z]{0,2})$/i.exec(value);
      const unit = m ? MEMORY_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
      const ok = m !== null && unit !== undefined && Number(m[1]) * unit <= rule.max_bytes;
      return ok ? undefined : `must be a size in bytes, optionally with k, kb, m, mb, g or gb, at most ${rule.max_bytes} bytes; got '${value}'`;
    }
    case 'enum':
      return rule.choices.includes(value) ? undefined : `must be one of ${rule.choices.join(', ')}; got '${value}'`;
  }
}

/** One refused entry of a `server_config` map. */
export interface DirectiveProblem {
  directive: string;
  message: string;
}

/**
 * Every entry of `config` that is not an allowed directive with a valid value. Used by the campaign
 * schema (a 400 naming `...server_config.<directive>`) and again by the worker right before it
 * starts redis-server, since a job written into Redis directly never passed the API.
 */
export function serverConfigProblems(config: Readonly<Record<string, string>>): DirectiveProblem[] {
  const problems: DirectiveProblem[] = [];
  for (const [directive, value] of Object.entries(config)) {
    const entry = REDIS_SERVER_DIRECTIVES.get(directive);
    if (entry === undefined) {
      problems.push({
        directive,
        message: `'${directive.slice(0, 64)}' is not an allowed redis-server directive: networking, files, modules, users and persistence stay the worker's; only the measurement settings of src/core/redis-server-directives.ts may be set`,
      });
      continue;
    }
    const problem = typeof value === 'string' ? valueProblem(entry.rule, value) : 'must be a string';
    if (problem !== undefined) problems.push({ directive, message: `${directive} ${problem}` });
  }
  return problems;
}
