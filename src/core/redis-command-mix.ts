import { z } from 'zod';

/** The Redis data types a command mix can create, delete from and report memory for. */
export const REDIS_DATA_TYPES = ['string', 'list', 'set', 'hash', 'zset', 'stream'] as const;
export type RedisDataType = (typeof REDIS_DATA_TYPES)[number];

/** What a test does to the data of its type. */
export type MixEffect = 'adds' | 'reads' | 'removes';

/** One load test of a command mix: how redis-benchmark runs it and what it does to which keys. */
export interface MixTestEntry {
  type: RedisDataType;
  effect: MixEffect;
  /** The keys it touches, as redis-benchmark 7.0 names them (<N>: 12 random digits from -r). */
  keys: string;
  /**
   * A command line for redis-benchmark when the test is not one of its `-t` tests (redis-benchmark
   * 7.0.15 has no xadd test; 7.2's is `XADD mystream * myfield <data>`): `<data>` is the value.
   */
  command?: readonly string[];
}

/**
 * The supported tests: redis-benchmark 7.0.15 `-t` names (Debian 12), checked by running each one and
 * listing the keys it left (`--scan`). `-r` spreads the key names of set/get/incr/mset and the element
 * names of sadd/hset/zadd; the list, set, hash, sorted-set and stream tests write ONE key each.
 */
export const REDIS_MIX_TESTS = {
  set: { type: 'string', effect: 'adds', keys: 'key:<N>' },
  get: { type: 'string', effect: 'reads', keys: 'key:<N>' },
  incr: { type: 'string', effect: 'adds', keys: 'counter:<N>' },
  mset: { type: 'string', effect: 'adds', keys: '10 x key:<N>' },
  lpush: { type: 'list', effect: 'adds', keys: 'mylist' },
  rpush: { type: 'list', effect: 'adds', keys: 'mylist' },
  lpop: { type: 'list', effect: 'removes', keys: 'mylist' },
  rpop: { type: 'list', effect: 'removes', keys: 'mylist' },
  lrange_100: { type: 'list', effect: 'reads', keys: 'mylist (after an LPUSH of as many requests)' },
  lrange_300: { type: 'list', effect: 'reads', keys: 'mylist (after an LPUSH of as many requests)' },
  lrange_500: { type: 'list', effect: 'reads', keys: 'mylist (after an LPUSH of as many requests)' },
  lrange_600: { type: 'list', effect: 'reads', keys: 'mylist (after an LPUSH of as many requests)' },
  sadd: { type: 'set', effect: 'adds', keys: 'myset, elements element:<N>' },
  spop: { type: 'set', effect: 'removes', keys: 'myset' },
  hset: { type: 'hash', effect: 'adds', keys: 'myhash, fields element:<N>' },
  zadd: { type: 'zset', effect: 'adds', keys: 'myzset, members element:<N>' },
  zpopmin: { type: 'zset', effect: 'removes', keys: 'myzset' },
  xadd: { type: 'stream', effect: 'adds', keys: 'mystream', command: ['XADD', 'mystream', '*', 'myfield', '<data>'] },
} as const satisfies Record<string, MixTestEntry>;
export type RedisMixTest = keyof typeof REDIS_MIX_TESTS;

const TEST_NAMES = Object.keys(REDIS_MIX_TESTS) as [RedisMixTest, ...RedisMixTest[]];

/** Fewest requests of a stream whose throughput is reported. */
export const MIN_MEASURED_REQUESTS = 10_000;

/**
 * One load stream: `requests` commands of a test with values of `value_bytes` (-d; the value travels
 * as one argument for command-line tests, which Linux caps at 128 KiB) over `keys` random names (-r).
 * `phase: measured` runs it in the measured phase instead, reporting its throughput.
 */
export const MixLoadStreamSchema = z
  .object({
    test: z.enum(TEST_NAMES),
    value_bytes: z.number().int().min(1).max(100_000).default(64),
    keys: z.number().int().min(1).max(5_000_000).default(100_000),
    /** Default: as many as `keys`. */
    requests: z.number().int().min(1).max(10_000_000).optional(),
    clients: z.number().int().min(1).max(1000).default(8),
    pipeline: z.number().int().min(1).max(256).default(16),
    phase: z.enum(['load', 'measured']).default('load'),
  })
  .strict()
  .superRefine((s, ctx) => {
    // redis-benchmark times a test in whole milliseconds: a few thousand pipelined requests can end
    // inside one and report "inf" requests per second.
    if (s.phase === 'measured' && (s.requests ?? s.keys) < MIN_MEASURED_REQUESTS) {
      ctx.addIssue({ code: 'custom', path: [s.requests === undefined ? 'keys' : 'requests'], message: `a measured stream needs at least ${MIN_MEASURED_REQUESTS} requests (redis-benchmark times whole milliseconds; fewer can finish inside one)` });
    }
  });

/**
 * One delete stream: removes `fraction` of a type's data, scattered. `unit: keys` deletes whole keys
 * chosen by the last digit of their name (a hash of it for names not ending in a digit), as the
 * default delete phase does for strings; `unit: elements` (collections; their default) removes
 * elements of every key of the type: hash fields, set and sorted-set members chosen the same way,
 * and the oldest `fraction` of each list and stream.
 */
export const MixDeleteStreamSchema = z
  .object({
    test: z.literal('delete'),
    type: z.enum(REDIS_DATA_TYPES),
    fraction: z.number().min(0).max(1),
    unit: z.enum(['keys', 'elements']).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.type === 'string' && s.unit === 'elements') ctx.addIssue({ code: 'custom', path: ['unit'], message: 'a string has no elements: unit must be keys' });
  });

export const MixStreamSchema = z.discriminatedUnion('test', [MixLoadStreamSchema, MixDeleteStreamSchema]);
export type MixStream = z.infer<typeof MixStreamSchema>;
export type MixLoadStream = z.infer<typeof MixLoadStreamSchema>;
export type MixDeleteStream = z.infer<typeof MixDeleteStreamSchema>;

/** A command mix: streams run one after another (so memory can be told apart per stream), in order. */
export const RedisCommandMixSchema = z.array(MixStreamSchema).min(1).max(16);

/** The unit a delete stream works in (collections default to elements). */
export function deleteUnit(s: MixDeleteStream): 'keys' | 'elements' {
  return s.unit ?? (s.type === 'string' ? 'keys' : 'elements');
}

/** How a stream is named in results: `lpush`, `delete list`. */
export function streamLabel(s: MixStream): string {
  return s.test === 'delete' ? `delete ${s.type}` : s.test;
}
