/**
 * Hostile requests against the real service: generated bad input for every route (wrong types,
 * huge numbers, deep nesting, unicode tricks, prototype-pollution payloads, oversized bodies, bad
 * ids, bad query parameters, bad tokens and headers, bad JSON, semantic mistakes), each with the
 * answer it must get. Used by experiments/hostile-input/run.ts (the recorded counts) and by
 * test/api/hostile-input.test.ts (a smaller run in the suite).
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { smallCampaign } from '../../test/helpers/small-campaign.js';

/** One generated request and the answer it must get. */
export interface HostileRequest {
  category: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** Acceptable status codes (all 4xx). */
  status: readonly number[];
  /** For a 400: text that some issue path must contain (the field the request broke). */
  field?: string;
}

/** What the service did with one request that it should not have. */
export interface HostileFailure {
  category: string;
  request: string;
  status: number;
  problem: string;
  body: string;
}

/** Counts of one run. */
export interface HostileReport {
  requests: number;
  by_category: Record<string, { requests: number; statuses: Record<string, number> }>;
  statuses: Record<string, number>;
  server_errors: number;
  failures: HostileFailure[];
  redis_keys_before: number;
  redis_keys_after: number;
  redis_keys_changed: string[];
  prototype_polluted: boolean;
  largest_error_body_bytes: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Spec fields at the top level and values of a type none of them takes. */
const TOP_FIELDS = ['name', 'allocator', 'space', 'baseline', 'references', 'workloads', 'objective', 'constraints', 'budget', 'repeats', 'duel', 'noise', 'sampler', 'seed', 'worker_labels'] as const;
const STRING_FIELDS = new Set(['name', 'allocator', 'sampler']);

/** Numeric fields (path in the spec) and values outside every range they accept. */
const NUMERIC_FIELDS: { path: (string | number)[]; field: string }[] = [
  { path: ['repeats'], field: 'repeats' },
  { path: ['seed'], field: 'seed' },
  { path: ['budget', 'trials'], field: 'budget.trials' },
  { path: ['budget', 'minutes'], field: 'budget.minutes' },
  { path: ['duel', 'pairs'], field: 'duel.pairs' },
  { path: ['duel', 'candidates'], field: 'duel.candidates' },
  { path: ['duel', 'alpha'], field: 'duel.alpha' },
  { path: ['noise', 'steal_max_pct'], field: 'noise.steal_max_pct' },
  { path: ['noise', 'steal_max_reruns'], field: 'noise.steal_max_reruns' },
];
/** Numbers that no numeric field accepts (each has a finite maximum and a minimum >= 0). */
const HUGE_NUMBERS = ['1e308', '-1e308', '9007199254740993', '-9007199254740993', '1e400', '-1e400', '123456789012345678901234567890', '-0.5e30'];

const UNPRINTABLE = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u202e', '\u2066', '\u200b', '\ufeff', '\ud800', '\udfff', '\r', '\n', '\t'];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineSetter__', 'isPrototypeOf'];

function setPath(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** JSON text of a valid spec with the raw JSON `valueText` at `path` (so `1e400`, `__proto__` survive). */
function specWithRaw(path: readonly (string | number)[], valueText: string): string {
  const marker = '"__HOSTILE_MARKER__"';
  const spec = smallCampaign() as Record<string, unknown>;
  setPath(spec, path, '__HOSTILE_MARKER__');
  return JSON.stringify(spec).replace(marker, valueText);
}

function post(category: string, payload: string, status: readonly number[], field: string | undefined, token: string, url = '/v1/campaigns'): HostileRequest {
  return { category, method: 'POST', url, headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` }, payload, status, ...(field === undefined ? {} : { field }) };
}

/** Wrong-type values for a field: never of the type it takes. */
function wrongValue(field: string): fc.Arbitrary<unknown> {
  const nonString = fc.oneof(fc.boolean(), fc.constant(null), fc.array(fc.array(fc.integer(), { minLength: 1 }), { minLength: 1, maxLength: 3 }));
  return STRING_FIELDS.has(field) ? fc.oneof(nonString, fc.double(), fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer(), { minKeys: 1, maxKeys: 2 })) : fc.oneof(nonString, fc.string({ maxLength: 8 }));
}

/**
 * The generators, by category: each returns `n` requests from a seeded fast-check run. `id` is an
 * existing campaign (for routes that need one), `token` the service's bearer token.
 */
export function hostileRequests(options: { seed: number; perCategory: number; id: string; token: string }): HostileRequest[] {
  const { seed, perCategory: n, id, token } = options;
  const sample = <T>(arb: fc.Arbitrary<T>, offset: number): T[] => fc.sample(arb, { seed: seed + offset, numRuns: n });
  const out: HostileRequest[] = [];

  // 1. Wrong types at a top-level field.
  for (const [field, value] of sample(fc.constantFrom(...TOP_FIELDS).chain((f) => fc.tuple(fc.constant(f), wrongValue(f))), 1)) {
    const spec = { ...smallCampaign(), [field]: value };
    out.push(post('wrong-types', JSON.stringify(spec), [400], field, token));
  }
  // 2. Numbers beyond every range (raw text: 1e400 is Infinity to JSON.parse).
  for (const [target, text] of sample(fc.tuple(fc.constantFrom(...NUMERIC_FIELDS), fc.constantFrom(...HUGE_NUMBERS)), 2)) {
    out.push(post('huge-numbers', specWithRaw(target.path, text), [400], target.field, token));
  }
  // 3. Deep nesting at a field (33 to 20,000 levels of arrays or objects).
  for (const [field, depth, asObject] of sample(fc.tuple(fc.constantFrom('space', 'baseline', 'workloads', 'worker_labels', 'references'), fc.integer({ min: 33, max: 20_000 }), fc.boolean()), 3)) {
    const nested = asObject ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    out.push(post('deep-nesting', specWithRaw([field], nested), [400], `body.${field}`, token));
  }
  // 4. Unicode tricks in free text and names: controls, C1, separators, bidi, zero-width, lone surrogates, homoglyphs.
  const trick = fc.oneof(
    fc.tuple(fc.constant('name'), fc.string({ maxLength: 10 }), fc.constantFrom(...UNPRINTABLE), fc.string({ maxLength: 10 })).map(([f, a, ch, b]) => [f, `${a}${ch}${b}`] as const),
    fc.constantFrom('rss_bytes_at_300ms', 'fragmentation_ratio_at_300ms').chain((m) => fc.tuple(fc.constant('objective.metric'), fc.constantFrom(m.replace('a', '\u0430'), m.replace('s', '\u0455'), `${m}\u200b`, `${m}\u0085`, m.toUpperCase()))),
    fc.tuple(fc.constant('worker_labels'), fc.constantFrom('r\u0430ck', 'rack\u2028', 'RACK', 'r ack', '\u202erack')).map(([f, k]) => [f, k] as const),
  );
  for (const [field, text] of sample(trick, 4)) {
    const spec = smallCampaign() as Record<string, unknown>;
    if (field === 'name') spec['name'] = text.length === 0 ? '\u0085' : text;
    else if (field === 'objective.metric') spec['objective'] = { metric: text, direction: 'min' };
    else spec['worker_labels'] = { [text]: 'a' };
    out.push(post('unicode-tricks', JSON.stringify(spec), [400], field === 'objective.metric' ? 'objective' : field, token));
  }
  // 5. Prototype pollution: `__proto__`, `constructor.prototype` and member names as keys anywhere.
  const places: (string | number)[][] = [[], ['baseline', 'config'], ['space', 'freeze'], ['space', 'narrow'], ['worker_labels'], ['objective'], ['workloads', 0, 'args'], ['budget'], ['references', 0, 'env'], ['duel']];
  // Label names and harness argument names are free (the harness checks its own on the worker), so
  // there only Object.prototype member names must fail; everywhere else any unknown key does.
  const freeKeys = new Set(['workloads', 'worker_labels']);
  const pollution = fc
    .tuple(fc.constantFrom(...places), fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom('{"polluted":true}', '{"prototype":{"polluted":true}}', '1', '"x"'))
    .filter(([place, key]) => !freeKeys.has(String(place[0])) || key in Object.prototype);
  for (const [place, key, polluted] of sample(pollution, 5)) {
    const spec = smallCampaign() as Record<string, unknown>;
    if (place[0] === 'references') spec['references'] = [{ name: 'r', env: {} }];
    const marker = '"__HOSTILE_KEY__":0';
    if (place.length === 0) spec['__HOSTILE_KEY__'] = 0;
    else setPath(spec, [...place, '__HOSTILE_KEY__'], 0);
    const payload = JSON.stringify(spec).replace(marker, `${JSON.stringify(key)}:${polluted}`);
    out.push(post('prototype-pollution', payload, [400], key, token));
  }
  // 6. Oversized bodies (limit 256 KiB): a long name, many workloads, padding.
  for (const [kind, kib] of sample(fc.tuple(fc.constantFrom('name', 'padding', 'array'), fc.integer({ min: 257, max: 2048 })), 6)) {
    const spec = smallCampaign() as Record<string, unknown>;
    const filler = 'x'.repeat(kib * 1024);
    if (kind === 'name') spec['name'] = filler;
    else if (kind === 'padding') spec['padding'] = filler;
    else spec['constraints'] = Array.from({ length: kib * 40 }, () => ({ metric: 'p99_us', max: 1 }));
    out.push(post('oversized-body', JSON.stringify(spec), [413], undefined, token));
  }
  // 7. Bad ids in paths, on every route that takes one (and a well-formed id that does not exist).
  const idRoutes: { method: 'GET' | 'POST'; suffix: string }[] = [
    { method: 'GET', suffix: '' }, { method: 'POST', suffix: '/cancel' }, { method: 'GET', suffix: '/trials' }, { method: 'GET', suffix: '/leaderboard' },
    { method: 'GET', suffix: '/pareto' }, { method: 'GET', suffix: '/export' }, { method: 'GET', suffix: '/events' },
  ];
  const badId = fc.oneof(
    fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(65), '-leading', 'c*', 'c%20x', '%E2%80%A8', 'c:1', '%7B%7D', '__proto__x'.replace('x', '%3A'), 'c%0Ax'),
    fc.string({ minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(`${s}!`)),
  );
  for (const [route, bad, missing] of sample(fc.tuple(fc.constantFrom(...idRoutes), badId, fc.boolean()), 7)) {
    const target = missing ? 'cdoesnotexist0' : bad;
    const headers = route.method === 'POST' ? { authorization: `Bearer ${token}` } : {};
    out.push({ category: 'bad-ids', method: route.method, url: `/v1/campaigns/${target}${route.suffix}`, headers, status: missing ? [404] : [400, 404], ...(missing ? {} : { field: 'params.id' }) });
  }
  // 8. Bad query parameters: export formats, event positions, repeated and array-style parameters.
  const badQuery = fc.oneof(
    fc.tuple(fc.constant('/export'), fc.constantFrom('format=yaml', 'format=', 'format=K8S', 'format=json&format=k8s', 'format[]=json', 'format=%00', 'format=json%0A'), fc.constant('querystring.format')),
    fc.tuple(fc.constant('/events'), fc.constantFrom('after=garbage', 'after=18446744073709551616-0', 'after=1-', 'after=-1-1', 'after=1-2&after=3-4', 'after=%E2%80%A8'), fc.constant('querystring.after')),
  );
  for (const [suffix, query, field] of sample(badQuery, 8)) {
    out.push({ category: 'bad-query', method: 'GET', url: `/v1/campaigns/${id}${suffix}?${query}`, headers: {}, status: [400], field });
  }
  // 9. Bad tokens on every mutating route.
  const badToken = fc.oneof(
    fc.constantFrom('', 'Bearer', 'Bearer ', `Bearer ${token}x`, `bearer  ${token.slice(1)}`, `Basic ${Buffer.from(`u:${token}`).toString('base64')}`, `Bearer ${token} extra`, `Token ${token}`, `Bearer ${'A'.repeat(8000)}`),
    fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s) && !s.includes(token)).map((s) => `Bearer ${s}`),
  );
  for (const [auth, cancel, omit] of sample(fc.tuple(badToken, fc.boolean(), fc.boolean()), 9)) {
    const headers: Record<string, string> = { ...JSON_HEADERS, ...(omit ? {} : { authorization: auth }) };
    const request: HostileRequest = cancel
      ? { category: 'bad-tokens', method: 'POST', url: `/v1/campaigns/${id}/cancel`, headers, status: [401] }
      : { category: 'bad-tokens', method: 'POST', url: '/v1/campaigns', headers, payload: JSON.stringify(smallCampaign()), status: [401] };
    out.push(request);
  }
  // 10. Bad headers: stream positions, content types.
  const badHeader = fc.oneof(
    fc.constantFrom('garbage', '18446744073709551616-1', '1-18446744073709551616', '99999999999999999999-0', '1.5-0', '0x10-0', '1-0 ').map((v) => ({ kind: 'last-event-id' as const, value: v })),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml').map((v) => ({ kind: 'content-type' as const, value: v })),
  );
  for (const h of sample(badHeader, 10)) {
    if (h.kind === 'last-event-id') out.push({ category: 'bad-headers', method: 'GET', url: `/v1/campaigns/${id}/events`, headers: { 'last-event-id': h.value }, status: [400], field: 'headers.last-event-id' });
    else out.push({ category: 'bad-headers', method: 'POST', url: '/v1/campaigns', headers: { 'content-type': h.value, authorization: `Bearer ${token}` }, payload: JSON.stringify(smallCampaign()), status: [400, 415] });
  }
  // 11. Bad JSON text.
  const valid = JSON.stringify(smallCampaign());
  const badJson = fc.oneof(
    fc.integer({ min: 1, max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
    fc.constantFrom(`${valid}}`, `${valid} trailing`, "{'name': 'x'}", '{"name": NaN}', '{"seed": Infinity}', '', ' ', 'null', '[]', '"a string"', '42', 'true', '{"a":1,}', '\ufeff{}'),
  );
  for (const text of sample(badJson, 11)) out.push(post('bad-json', text, [400], 'body', token));
  // 12. Semantic mistakes only the service can see (the space, metrics, duel arithmetic, labels).
  const semantic: { patch: Record<string, unknown>; field: string }[] = [
    { patch: { worker_labels: { worker: 'w1' } }, field: 'worker_labels.worker' },
    { patch: { worker_labels: { a: '1', b: '2', c: '3', d: '4', e: '5' } }, field: 'worker_labels' },
    { patch: { objective: { metric: 'p99_us', direction: 'min' } }, field: 'objective.metric' },
    { patch: { constraints: [{ metric: 'fragmentation_ratio_at_300ms', max: -1 }] }, field: 'constraints.0.max' },
    { patch: { duel: { pairs: 3, candidates: 10, confirm: { rule: 'fixed' } } }, field: 'duel.pairs' },
    { patch: { duel: { candidates: 10, confirm: { min_pairs: 3, max_pairs: 4 } } }, field: 'duel.confirm.max_pairs' },
    { patch: { space: { freeze: { no_such_knob: 1 } } }, field: 'space' },
    { patch: { space: { narrow: { narenas: { min: 10, max: 1 } } } }, field: 'space' },
    { patch: { baseline: { malloc_conf: 'narenas:2;dirty_decay_ms:0' } }, field: 'baseline.malloc_conf' },
    { patch: { baseline: { config: { narenas: 'many' } } }, field: 'baseline.config' },
    { patch: { references: [{ name: 'baseline', malloc_conf: '' }] }, field: 'references.0.name' },
    { patch: { references: [{ name: 'r', malloc_conf: '' }, { name: 'r', malloc_conf: '' }] }, field: 'references' },
    { patch: { allocator: 'mimalloc', baseline: { malloc_conf: 'narenas:2' } }, field: 'baseline.malloc_conf' },
    { patch: { workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': '$(reboot)' } }] }, field: 'workloads.0' },
  ];
  for (const { patch, field } of sample(fc.constantFrom(...semantic), 12)) out.push(post('semantic', JSON.stringify({ ...smallCampaign(), ...patch }), [400], field, token));
  // 13. Routes without parameters: unknown routes and methods, bad space names, stray query parameters.
  const other = fc.oneof(
    fc.constantFrom('/v1/spaces/supermalloc', '/v1/spaces/__proto__', '/v1/spaces/..%2Fpackage.json', '/v1/spaces/constructor', '/v1/spaces/%00').map((url) => ({ method: 'GET' as const, url, status: [404] })),
    fc.constantFrom('/v1/nothing', '/v2/campaigns', '/v1/campaigns/x/y/z', '/..%2F..%2Fetc%2Fpasswd', '/v1/workers/1').map((url) => ({ method: 'GET' as const, url, status: [404] })),
    fc.constantFrom('/v1/campaigns', '/v1/workers', '/v1/spaces', '/healthz', '/metrics').map((url) => ({ method: 'DELETE' as const, url, status: [401, 404] })),
    fc.constantFrom('/v1/campaigns', '/v1/workers', '/v1/spaces').map((url) => ({ method: 'PUT' as const, url, status: [401, 404] })),
  );
  for (const r of sample(other, 13)) out.push({ category: 'other-routes', ...r, headers: {} });
  return out;
}

function isErrorBody(body: unknown): body is { code: string; message: string; issues?: { path: string; message: string }[] } {
  const b = body as { code?: unknown; message?: unknown; issues?: unknown };
  return typeof b === 'object' && b !== null && typeof b.code === 'string' && /^ALLOCTUNE_ERR_[A-Z_]+$/.test(b.code) && typeof b.message === 'string';
}

/** What is wrong with one answer, or undefined when it is the answer the request must get. */
function answerProblem(request: HostileRequest, status: number, text: string): string | undefined {
  if (!request.status.includes(status)) return `status ${status}, expected ${request.status.join(' or ')}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  if (!isErrorBody(body)) return 'body is not {code: ALLOCTUNE_ERR_*, message}';
  if (status === 400) {
    const issues = body.issues ?? [];
    if (issues.length === 0 || !issues.every((i) => typeof i.path === 'string' && typeof i.message === 'string')) return 'a 400 without issues[{path, message}]';
    if (request.field !== undefined && !issues.some((i) => i.path.includes(request.field ?? '') || i.message.includes(request.field ?? ''))) {
      return `no issue names ${request.field}`;
    }
  }
  if (text.length > 4096) return `error body of ${text.length} bytes (echoes the input?)`;
  return undefined;
}

/** All keys of the Redis database, sorted. */
async function keySet(redis: Redis): Promise<string[]> {
  return (await redis.keys('*')).sort();
}

/**
 * Send every request to `app` (fastify inject: the real routes, validation and error handler) and
 * check each answer and, afterwards, that Redis holds exactly the keys it held before.
 */
export async function runHostileRequests(app: FastifyInstance, redis: Redis, requests: readonly HostileRequest[]): Promise<HostileReport> {
  const before = await keySet(redis);
  const report: HostileReport = {
    requests: 0, by_category: {}, statuses: {}, server_errors: 0, failures: [], redis_keys_before: before.length, redis_keys_after: 0, redis_keys_changed: [],
    prototype_polluted: false, largest_error_body_bytes: 0,
  };
  for (const request of requests) {
    const res = await app.inject({ method: request.method, url: request.url, headers: request.headers, ...(request.payload === undefined ? {} : { payload: request.payload }) });
    const category = (report.by_category[request.category] ??= { requests: 0, statuses: {} });
    category.requests++;
    category.statuses[res.statusCode] = (category.statuses[res.statusCode] ?? 0) + 1;
    report.statuses[res.statusCode] = (report.statuses[res.statusCode] ?? 0) + 1;
    report.requests++;
    if (res.statusCode >= 500) report.server_errors++;
    report.largest_error_body_bytes = Math.max(report.largest_error_body_bytes, res.body.length);
    const problem = answerProblem(request, res.statusCode, res.body);
    if (problem) {
      report.failures.push({ category: request.category, request: `${request.method} ${request.url.slice(0, 120)} ${(request.payload ?? '').slice(0, 200)}`, status: res.statusCode, problem, body: res.body.slice(0, 400) });
    }
  }
  const after = await keySet(redis);
  report.redis_keys_after = after.length;
  const was = new Set(before);
  const now = new Set(after);
  report.redis_keys_changed = [...after.filter((k) => !was.has(k)), ...before.filter((k) => !now.has(k))];
  report.prototype_polluted = (Object.prototype as Record<string, unknown>)['polluted'] !== undefined || ({} as Record<string, unknown>)['polluted'] !== undefined;
  return report;
}
