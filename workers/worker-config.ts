import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AlloctuneError } from '../src/core/alloctune-error.js';
import { EnvMapSchema } from '../src/core/safe-text.js';
import type { LibraryOverrides } from './target-env.js';

/** How to read one number from a command's output. */
export const CommandMetricSchema = z
  .object({
    /** Metric name in the result, with its unit, e.g. `ops_per_s`. */
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    /** Dotted path into the JSON document printed by the command, e.g. `throughput.ops_per_s`. */
    json_path: z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/).optional(),
    /** Regular expression whose first capture group is the number. */
    regex: z.string().max(500).optional(),
    source: z.enum(['stdout', 'stderr']).default('stdout'),
  })
  .refine((m) => (m.json_path === undefined) !== (m.regex === undefined), 'exactly one of json_path and regex');
export type CommandMetric = z.infer<typeof CommandMetricSchema>;

/** A command the worker's operator allows trials to run; trials name it, never spell it. */
export const CommandSpecSchema = z.object({
  argv: z.array(z.string().min(1)).min(1).max(256),
  cwd: z.string().startsWith('/').optional(),
  /** Extra variables for the command; the trial's allocator variables win over them. */
  env: EnvMapSchema.default({}),
  metric: CommandMetricSchema.optional(),
  timeout_ms: z.number().int().min(100).max(3_600_000).default(300_000),
});
export type CommandSpec = z.infer<typeof CommandSpecSchema>;

/** The worker's own configuration file (`alloctune worker --config FILE`). */
export const WorkerConfigSchema = z.strictObject({
  commands: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/), CommandSpecSchema).default({}),
  /**
   * Shared object per allocator name on this host (`{"hakmem": "/opt/hakmem/libhakmem.so"}`); wins
   * over a definition's `path_variable` (`HAKMEM_LIB`), `library_dir` and the Debian paths.
   */
  libraries: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), z.string().startsWith('/')).default({}),
  /**
   * Directory of allocator libraries built for this host, holding the file names the definitions
   * list in `load.library_files`; a library found there wins over the Debian one.
   */
  library_dir: z.string().startsWith('/').optional(),
  /** redis-server for the redis workload of allocators without an entry in `redis_servers`; default from PATH. */
  redis_server: z.string().min(1).optional(),
  /** Directory of recorded traces and Redis captures that trials name (`--traces DIR` wins). */
  traces_dir: z.string().startsWith('/').optional(),
  /**
   * redis-server per allocator name (`{"mimalloc": "/opt/redis-libc/bin/redis-server"}`; also
   * `alloctune worker --redis-server ALLOCATOR=PATH`). Debian's redis-server is built with jemalloc:
   * another allocator needs one built with `make MALLOC=libc` (README, "Redis with other allocators").
   */
  redis_servers: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), z.string().startsWith('/')).default({}),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

/** Read and validate a worker config file; absent path gives the empty config. */
export function loadWorkerConfig(path: string | undefined): WorkerConfig {
  if (path === undefined) return WorkerConfigSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'worker config', reason: `${path}: ${err instanceof Error ? err.message : String(err)}` });
  }
  const parsed = WorkerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', {
      field: 'worker config',
      reason: `${path}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : parsed.error.message}`,
    });
  }
  return parsed.data;
}

/** The library locations a worker's configuration declares (definitions' `path_variable`s are read at resolution). */
export function workerLibraries(config: WorkerConfig): LibraryOverrides {
  return { libraries: config.libraries, libraryDir: config.library_dir };
}
