import { z } from 'zod';
import { ConfigValueSchema, type ConfigValue } from './config.js';
import { mapKey } from './safe-text.js';
import { AllocatorNameSchema } from './allocator-name.js';

/** A categorical string choice: one token the allocator reads verbatim (no separators, no spaces). */
const TokenSchema = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only (max 64)');
const SafeIntSchema = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

/** Which parameters must hold which values for a parameter to be active: `{ background_thread: [true] }`. */
export const ConditionSchema = z.record(z.string(), z.array(ConfigValueSchema).min(1));

/**
 * A known trap of a knob: searching it under a goal of this kind can ship a cost, e.g. huge pages
 * inflating RSS under a memory goal, or a thread cache turned off under a throughput goal. The
 * campaign is warned at creation (not refused: the search may still rightly avoid the values).
 */
export const KnobTrapSchema = z
  .object({
    /** `memory`: the objective or a constraint is in bytes; `throughput`: one is a rate (ops/s). */
    goal: z.enum(['memory', 'throughput']),
    /** The values that set the trap; the message says what they cost and where that was measured. */
    values: z.array(ConfigValueSchema).min(1),
    message: z.string().min(1),
  })
  .strict();
export type KnobTrap = z.infer<typeof KnobTrapSchema>;

const commonFields = {
  name: z.string().min(1).max(128),
  description: z.string().min(1),
  /** What the knob trades: latency/CPU, memory footprint, multi-thread scaling. */
  affects: z.array(z.enum(['LAT', 'RSS', 'MT'])).default([]),
  /** Verified quirks the UI should show next to the knob. */
  notes: z.array(z.string()).default([]),
  /** Known traps of some of its values under a goal (see {@link KnobTrapSchema}). */
  traps: z.array(KnobTrapSchema).default([]),
  /** Active only when every listed parameter (declared earlier) has one of the listed values. */
  when: ConditionSchema.optional(),
  /** Frozen value: always emitted, never searched. */
  fixed: ConfigValueSchema.optional(),
};

/** One tunable knob. Integers and floats may be log-scaled; categoricals may name an `omit` choice that means "leave unset". */
export const ParameterSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...commonFields,
      kind: z.literal('integer'),
      min: SafeIntSchema,
      max: SafeIntSchema,
      /** Log scale over `x - min + 1`, so ranges may start at 0 or -1 (jemalloc decay times). */
      log: z.boolean().default(false),
      /**
       * A value (it must be `min`) that means "more than max", e.g. jemalloc's -1 = never purge, spin
       * forever. The embedding places it past `max` rather than next to `min`, so a model sees "never"
       * beside "60 s", not beside "immediately".
       */
      beyond_max: SafeIntSchema.optional(),
      default: SafeIntSchema,
    })
    .strict(),
  z
    .object({
      ...commonFields,
      kind: z.literal('float'),
      min: z.number(),
      max: z.number(),
      /** Grid spacing; values are multiples of `step` from `min`, so encodings are exact decimals. */
      step: z.number().positive(),
      /** Log scale over `x / min` (requires `min > 0`). */
      log: z.boolean().default(false),
      default: z.number(),
    })
    .strict(),
  z
    .object({
      ...commonFields,
      kind: z.literal('categorical'),
      choices: z.array(z.union([SafeIntSchema, TokenSchema])).min(1),
      default: z.union([SafeIntSchema, TokenSchema]),
      /** The choice that means "do not set this variable" (e.g. glibc's dynamic mmap threshold). */
      omit: TokenSchema.optional(),
    })
    .strict(),
  z.object({ ...commonFields, kind: z.literal('boolean'), default: z.boolean() }).strict(),
]);
export type Parameter = z.infer<typeof ParameterSchema>;
export type ParameterKind = Parameter['kind'];

/** How a config becomes environment variables. */
export const SpaceEncodingSchema = z
  .object({
    /** `malloc-conf`: one MALLOC_CONF string; `env`: one variable per parameter; `glibc-tunables`: one GLIBC_TUNABLES string. */
    format: z.enum(['malloc-conf', 'env', 'glibc-tunables']),
    /** Every parameter name starts with this (`MIMALLOC_`, `glibc.malloc.`; empty for jemalloc). */
    key_prefix: z.string(),
    /** How booleans are written (jemalloc accepts only `true`/`false`; mimalloc and hakmem use `1`/`0`). */
    true_token: TokenSchema,
    false_token: TokenSchema,
  })
  .strict();
export type SpaceEncoding = z.infer<typeof SpaceEncodingSchema>;

/** Rule that a value of `p` must follow, in words (used in error messages). */
export function describeDomain(p: Parameter): string {
  switch (p.kind) {
    case 'integer':
      return `an integer in [${p.min}, ${p.max}]`;
    case 'float':
      return `a number in [${p.min}, ${p.max}] in steps of ${p.step}`;
    case 'categorical':
      return `one of ${p.choices.map((c) => String(c)).join(', ')}`;
    case 'boolean':
      return 'true or false';
  }
}

/** Decimal places of a float grid step (0.1 -> 1, 0.25 -> 2). */
export function stepDecimals(step: number): number {
  const text = String(step);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The grid value nearest to `x` for a float parameter, rounded so that it prints as a short decimal. */
export function snapFloat(p: Extract<Parameter, { kind: 'float' }>, x: number): number {
  const n = Math.round((x - p.min) / p.step);
  const steps = Math.round((p.max - p.min) / p.step);
  const clamped = Math.min(Math.max(n, 0), steps);
  return Number((p.min + clamped * p.step).toFixed(stepDecimals(p.step))) + 0;
}

/**
 * Why `value` is not a valid value of `p`, or undefined when it is. Checks type, range, grid and
 * choices; activity and `fixed` are the config validator's business.
 */
export function parameterValueProblem(p: Parameter, value: ConfigValue): string | undefined {
  const expected = `must be ${describeDomain(p)}`;
  switch (p.kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return `${expected}, got ${JSON.stringify(value)}`;
      return value < p.min || value > p.max ? `${expected}, got ${value} (out of range)` : undefined;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${expected}, got ${JSON.stringify(value)}`;
      if (value < p.min || value > p.max) return `${expected}, got ${value} (out of range)`;
      return snapFloat(p, value) === value ? undefined : `${expected}, got ${value} (not on the grid)`;
    case 'categorical':
      return p.choices.some((c) => c === value) ? undefined : `${expected}, got ${JSON.stringify(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${expected}, got ${JSON.stringify(value)}`;
  }
}

function refineParameters(list: readonly Parameter[], known: Map<string, Parameter>, listName: string, encoding: SpaceEncoding | undefined, ctx: z.RefinementCtx): void {
  list.forEach((p, i) => {
    const at = (...rest: (string | number)[]): (string | number)[] => [listName, i, ...rest];
    const issue = (message: string, ...rest: (string | number)[]): void => ctx.addIssue({ code: 'custom', message, path: at(...rest) });
    if (known.has(p.name)) issue(`duplicate parameter name '${p.name}'`, 'name');
    if (encoding) {
      const rest = p.name.startsWith(encoding.key_prefix) ? p.name.slice(encoding.key_prefix.length) : undefined;
      const alphabet = encoding.format === 'malloc-conf' ? /^[a-z0-9_]+$/ : /^[A-Za-z0-9_]+$/;
      if (rest === undefined || !alphabet.test(rest)) {
        issue(`name '${p.name}' must be '${encoding.key_prefix}' followed by ${encoding.format === 'malloc-conf' ? 'a-z, 0-9 and _' : 'letters, digits and _'}`, 'name');
      }
    }
    if (p.kind === 'integer' || p.kind === 'float') {
      if (p.min > p.max) issue(`min ${p.min} is above max ${p.max}`, 'min');
    }
    if (p.kind === 'integer' && p.beyond_max !== undefined) {
      if (p.beyond_max !== p.min) issue(`beyond_max ${p.beyond_max} must be the range's min (${p.min})`, 'beyond_max');
      else if (p.max === p.min) issue('beyond_max needs at least one ordinary value above it', 'beyond_max');
    }
    if (p.kind === 'float') {
      if (p.log && p.min <= 0) issue('a log-scaled float needs min > 0', 'min');
      if (String(p.step).includes('e')) issue('step must be a plain decimal', 'step');
      const steps = (p.max - p.min) / p.step;
      if (Math.abs(steps - Math.round(steps)) > 1e-9) issue(`max - min must be a multiple of step ${p.step}`, 'max');
    }
    if (p.kind === 'categorical') {
      if (new Set(p.choices).size !== p.choices.length) issue('choices must be distinct', 'choices');
      if (p.omit !== undefined && !p.choices.includes(p.omit)) issue(`omit '${p.omit}' is not one of the choices`, 'omit');
    }
    const defaultProblem = parameterValueProblem(p, p.default);
    if (defaultProblem) issue(`default ${defaultProblem}`, 'default');
    if (p.fixed !== undefined) {
      const fixedProblem = parameterValueProblem(p, p.fixed);
      if (fixedProblem) issue(`fixed ${fixedProblem}`, 'fixed');
    }
    for (const [parent, values] of Object.entries(p.when ?? {})) {
      const parentParam = known.get(parent);
      if (!parentParam) {
        issue(`condition refers to '${parent}', which is not a parameter declared before '${p.name}'`, 'when', parent);
        continue;
      }
      values.forEach((v, j) => {
        const problem = parameterValueProblem(parentParam, v);
        if (problem) issue(`condition value for '${parent}' ${problem}`, 'when', parent, j);
      });
    }
    known.set(p.name, p);
  });
}

const FileNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'a plain file name (no directories)');
const SymbolSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a C symbol name');

/** How a worker finds the shared object to LD_PRELOAD; the job never names a file. */
export const AllocatorLoadSchema = z.strictObject({
  /** False for the C library's own malloc: nothing is preloaded. */
  preload: z.boolean().default(true),
  /** File names tried in a worker's `library_dir`, then in Debian's library directories. */
  library_files: z.array(FileNameSchema).default([]),
  /** Debian package that installs the library (the bootstrap installs it; messages name it). */
  debian_package: z.string().regex(/^[a-z0-9][a-z0-9.+-]{1,63}$/).optional(),
  /** Worker-side environment variable holding the library's path (`HAKMEM_LIB`); the worker config's `libraries` entry wins. */
  path_variable: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/).optional(),
});
export type AllocatorLoad = z.infer<typeof AllocatorLoadSchema>;

/** How to recognise the allocator serving malloc() (the object dladdr finds for `malloc`). */
export const AllocatorIdentitySchema = z
  .strictObject({
    /** The serving object itself defines at least one of these symbols. */
    symbols: z.array(SymbolSchema).default([]),
    /** ... or its file name starts with one of these (`libc.so`, `libhakmem`). */
    library_names: z.array(FileNameSchema).default([]),
    /** `const char *f(void)` returning the version, called by the probe when the serving object defines it. */
    version_symbol: SymbolSchema.optional(),
  })
  .refine((i) => i.symbols.length > 0 || i.library_names.length > 0, 'name at least one symbol or library name: an allocator nothing identifies would pass any check');
export type AllocatorIdentity = z.infer<typeof AllocatorIdentitySchema>;

/** How the effective options are read back after start-up. */
export const AllocatorReadbackSchema = z.discriminatedUnion('kind', [
  /** Nothing to read: trials record no options. */
  z.strictObject({ kind: z.literal('none') }),
  /** A statistics API the C probe knows (native/harness/lib/alloc-probe.c, ALLOCATOR_APIS). */
  z.strictObject({ kind: z.literal('stats-api'), api: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/) }),
  /** An exported `const char *f(void)` returning `KEY=VALUE` lines, called by the probe in the target. */
  z.strictObject({ kind: z.literal('function'), symbol: SymbolSchema }),
  /** The encoded environment is recorded as the options (the allocator offers no read-back). */
  z.strictObject({ kind: z.literal('env-echo') }),
]);
export type AllocatorReadback = z.infer<typeof AllocatorReadbackSchema>;

/** A stderr line pattern meaning the allocator rejected or adjusted the config; `unless` excludes informational lines. */
export const ComplaintPatternSchema = z.strictObject({
  pattern: z.string().min(1).max(300),
  unless: z.string().min(1).max(300).optional(),
});
export type ComplaintPattern = z.infer<typeof ComplaintPatternSchema>;

function refineRegex(text: string, path: (string | number)[], ctx: z.RefinementCtx): void {
  try {
    new RegExp(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}`, path });
  }
}

/**
 * A knob a workload's target sets itself at run time. `value` is what it forces (absent in older
 * files: the knob is known to be overridden, to what is not said); `set_by` names the target's own
 * setting that chooses it (a Redis `server_config` directive) with the knob value of each setting.
 */
export const TargetOverrideSchema = z.strictObject({
  workload: z.enum(['harness', 'redis', 'command']),
  knob: z.string().min(1).max(128),
  why: z.string().min(1),
  value: ConfigValueSchema.optional(),
  set_by: z.strictObject({ server_config: z.string().min(1).max(128), values: z.record(mapKey(z.string().max(128)), ConfigValueSchema) }).optional(),
});

/** A `search-spaces/<allocator>.json` file. `extras` are documented knobs outside the default space that overrides may add. */
export const SpaceFileSchema = z
  .object({
    $schema: z.string().optional(),
    allocator: AllocatorNameSchema,
    /** Library and version the facts were verified against. */
    library: z.string().min(1),
    encoding: SpaceEncodingSchema,
    load: AllocatorLoadSchema,
    identity: AllocatorIdentitySchema,
    readback: AllocatorReadbackSchema.default({ kind: 'none' }),
    /** stderr lines that mean a rejected config (matched per trimmed line). */
    complaints: z.array(ComplaintPatternSchema).default([]),
    /** Knobs a workload's target sets itself at run time, whatever the environment says: left out of campaigns whose every workload is of that kind. */
    target_overrides: z.array(TargetOverrideSchema).default([]),
    /** Allocator-wide traps (silent parsing, overridden knobs) for the UI. */
    notes: z.array(z.string()).default([]),
    parameters: z.array(ParameterSchema),
    extras: z.array(ParameterSchema).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    const known = new Map<string, Parameter>();
    refineParameters(file.parameters, known, 'parameters', file.encoding, ctx);
    refineParameters(file.extras, known, 'extras', file.encoding, ctx);
    file.complaints.forEach((c, i) => {
      refineRegex(c.pattern, ['complaints', i, 'pattern'], ctx);
      if (c.unless !== undefined) refineRegex(c.unless, ['complaints', i, 'unless'], ctx);
    });
    if (file.load.preload && file.load.library_files.length === 0 && file.load.path_variable === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a preloaded allocator needs library_files or a path_variable', path: ['load'] });
    }
  });
export type SpaceFile = z.infer<typeof SpaceFileSchema>;

/** A loaded space: the file's content after overrides, plus where it came from. */
export type SearchSpace = SpaceFile & {
  /** Path of the JSON file it was read from. */
  file: string;
};

const NameSchema = z.string().min(1).max(128);

/** Per-campaign changes to a space; applied in the order add, drop, narrow, freeze. */
export const SpaceOverridesSchema = z
  .object({
    /** Names from the file's `extras` to search as well. */
    add: z.array(NameSchema).default([]),
    /** Parameters to leave unset (the allocator's own default applies). */
    drop: z.array(NameSchema).default([]),
    /** Smaller ranges (integer/float) or subsets of choices (categorical/boolean). */
    narrow: z
      .record(
        mapKey(NameSchema),
        z.union([
          z.object({ min: z.number().optional(), max: z.number().optional() }).strict(),
          z.object({ choices: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1) }).strict(),
        ]),
      )
      .default({}),
    /** Values to hold fixed (emitted, not searched). */
    freeze: z.record(mapKey(NameSchema), ConfigValueSchema).default({}),
  })
  .strict();
export type SpaceOverrides = z.infer<typeof SpaceOverridesSchema>;
export type SpaceOverridesInput = z.input<typeof SpaceOverridesSchema>;
