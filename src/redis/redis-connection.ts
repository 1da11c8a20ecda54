import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { AlloctuneError } from '../core/alloctune-error.js';

/**
 * How to reach the Redis that holds queues and campaign state. Every connection alloctune opens to
 * it (the service's clients, BullMQ producers and workers, SSE stream readers, the worker registry)
 * is made by {@link openRedis} from one of these, so TLS and ACL credentials apply to all of them.
 */
export interface RedisConnection {
  /** `redis://` or `rediss://` (TLS), optionally with `user[:password]@`. */
  url: string;
  /** PEM contents (not paths): CA that signed the server's certificate, client certificate and key. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** ACL password kept out of the URL (read from a file or the environment). */
  password?: string;
}

/** A bare URL or full connection settings. */
export type RedisEndpoint = string | RedisConnection;

/** Where {@link redisConnectionFrom} reads settings: command-line flags first, then these variables. */
export const REDIS_ENV = {
  url: 'REDIS_URL',
  tlsCa: 'ALLOCTUNE_REDIS_TLS_CA',
  tlsCert: 'ALLOCTUNE_REDIS_TLS_CERT',
  tlsKey: 'ALLOCTUNE_REDIS_TLS_KEY',
  passwordFile: 'ALLOCTUNE_REDIS_PASSWORD_FILE',
  password: 'ALLOCTUNE_REDIS_PASSWORD',
} as const;

/** Command-line flags shared by `serve` and `worker` (values are file paths). */
export interface RedisFlags {
  redis?: string | undefined;
  'redis-tls-ca'?: string | undefined;
  'redis-tls-cert'?: string | undefined;
  'redis-tls-key'?: string | undefined;
  'redis-password-file'?: string | undefined;
}

/** The parseArgs option table of {@link RedisFlags}. */
export const REDIS_FLAG_OPTIONS = {
  redis: { type: 'string' },
  'redis-tls-ca': { type: 'string' },
  'redis-tls-cert': { type: 'string' },
  'redis-tls-key': { type: 'string' },
  'redis-password-file': { type: 'string' },
} as const;

/** Usage text of {@link REDIS_FLAG_OPTIONS}. */
export const REDIS_FLAGS_USAGE = `  Redis: --redis URL (or REDIS_URL; rediss:// for TLS, rediss://user@host:port for an ACL user)
         --redis-tls-ca FILE --redis-tls-cert FILE --redis-tls-key FILE (or ALLOCTUNE_REDIS_TLS_CA/_CERT/_KEY)
         --redis-password-file FILE (or ALLOCTUNE_REDIS_PASSWORD_FILE, or ALLOCTUNE_REDIS_PASSWORD)
`;

function setupError(reason: string): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason });
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw setupError(`cannot read the Redis ${what} file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Connection settings from flags and the environment (flags win). Returns undefined when no URL is
 * given (the caller then starts an embedded Redis). TLS files require a `rediss://` URL; a password
 * may come from the URL or from a file/variable, not both.
 */
export function redisConnectionFrom(flags: RedisFlags, env: NodeJS.ProcessEnv = process.env): RedisConnection | undefined {
  const pick = (flag: keyof RedisFlags, name: string): string | undefined => {
    const value = flags[flag] ?? env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const url = pick('redis', REDIS_ENV.url);
  const files = { ca: pick('redis-tls-ca', REDIS_ENV.tlsCa), cert: pick('redis-tls-cert', REDIS_ENV.tlsCert), key: pick('redis-tls-key', REDIS_ENV.tlsKey) };
  const passwordFile = pick('redis-password-file', REDIS_ENV.passwordFile);
  const passwordVar = env[REDIS_ENV.password];
  if (url === undefined) {
    if (Object.values(files).some((f) => f !== undefined) || passwordFile !== undefined) {
      throw setupError('Redis TLS or password settings were given without a Redis URL (--redis or REDIS_URL)');
    }
    return undefined;
  }
  const parsed = parseRedisUrl(url);
  const connection: RedisConnection = { url };
  const tls: NonNullable<RedisConnection['tls']> = {};
  if (files.ca !== undefined) tls.ca = readSecretFile(files.ca, 'TLS CA');
  if (files.cert !== undefined) tls.cert = readSecretFile(files.cert, 'TLS certificate');
  if (files.key !== undefined) tls.key = readSecretFile(files.key, 'TLS key');
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw setupError('a Redis TLS client certificate needs its key and the other way round (--redis-tls-cert with --redis-tls-key)');
  if (Object.keys(tls).length > 0) {
    if (parsed.protocol !== 'rediss:') throw setupError(`Redis TLS files were given but the URL ${redactRedisUrl(url)} is not rediss://`);
    connection.tls = tls;
  }
  const password = passwordFile !== undefined ? readSecretFile(passwordFile, 'password').replace(/\r?\n$/, '') : passwordVar !== undefined && passwordVar !== '' ? passwordVar : undefined;
  if (password !== undefined) {
    if (parsed.password !== '') throw setupError('the Redis password is given twice: in the URL and in a password file or variable; keep it out of the URL');
    connection.password = password;
  }
  return connection;
}

function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw setupError(`'${redactRedisUrl(url)}' is not a Redis URL (redis://host:port or rediss://user@host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw setupError(`'${redactRedisUrl(url)}' is not a Redis URL: the scheme must be redis:// or rediss:// (TLS)`);
  }
  return parsed;
}

/** The URL of an endpoint with any password replaced by `***`, for logs and error messages. */
export function redactRedisUrl(endpoint: RedisEndpoint): string {
  const url = typeof endpoint === 'string' ? endpoint : endpoint.url;
  return url.replace(/^(rediss?:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/**
 * Opens a client to `endpoint` with the given extra options (e.g. `maxRetriesPerRequest: null`
 * for BullMQ). Host, port, user, password and db come from the URL, a separate password overrides
 * the URL's; `rediss://` turns TLS on, with the server certificate always verified against the CA
 * given (or the system's).
 */
export function openRedis(endpoint: RedisEndpoint, options: RedisOptions = {}): Redis {
  const connection = typeof endpoint === 'string' ? { url: endpoint } : endpoint;
  const url = parseRedisUrl(connection.url);
  const settings: RedisOptions = { ...options, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 6379 : Number(url.port) };
  if (url.username !== '') settings.username = decodeURIComponent(url.username);
  const password = connection.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  if (password !== undefined) settings.password = password;
  if (url.pathname.length > 1) settings.db = Number(url.pathname.slice(1));
  if (url.protocol === 'rediss:') settings.tls = { ...connection.tls, rejectUnauthorized: true };
  return new Redis(settings);
}

/** Turns a connection failure into what the operator should check. */
export function explainRedisFailure(endpoint: RedisEndpoint, err: unknown): string {
  const where = redactRedisUrl(endpoint);
  const tls = where.toLowerCase().startsWith('rediss://');
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (/^WRONGPASS/.test(text)) return `Redis at ${where} refused the credentials (${text}): check the ACL user in the URL and the password file`;
  if (/^NOAUTH/.test(text)) return `Redis at ${where} requires authentication (${text}): give an ACL user in the URL and its password (ALLOCTUNE_REDIS_PASSWORD_FILE)`;
  if (/^NOPERM/.test(text)) return `the Redis ACL user lacks a permission (${text}): see "Redis ACLs" in the README`;
  if (code === 'ECONNREFUSED') return `nothing accepts connections at ${where} (${text})`;
  if (tls && /wrong version number|packet length too long|unknown protocol/i.test(text)) return `TLS handshake with ${where} failed (${text}): the port does not speak TLS; use redis:// or the TLS port`;
  if (tls && /certificate|self.signed|unable to verify|CERT_|altnames|hostname/i.test(text + String(code))) {
    return `TLS verification of ${where} failed (${text}): give the CA that signed the server certificate with --redis-tls-ca / ALLOCTUNE_REDIS_TLS_CA and connect by a name the certificate holds`;
  }
  if (!tls && /Connection is closed|ECONNRESET|socket hang up|closed/i.test(text + String(code))) {
    return `Redis at ${where} closed the connection without answering (${text}): if that port expects TLS, use rediss:// (with --redis-tls-ca)`;
  }
  return `cannot use Redis at ${where}: ${text}`;
}

/**
 * Connects once without retrying, authenticates and PINGs, so that a wrong URL, password or TLS
 * setting stops `serve`/`worker` at start with a clear message instead of endless reconnects.
 * Throws ALLOCTUNE_ERR_SETUP with {@link explainRedisFailure}'s reason.
 */
export async function checkRedisConnection(endpoint: RedisEndpoint, timeoutMs = 5000): Promise<void> {
  const client = openRedis(endpoint, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let lastError: unknown;
  client.on('error', (err) => (lastError ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    // A refused AUTH surfaces as the connect() rejection; a dropped socket only through 'error'.
    const cause = /Connection is closed|Stream isn't writeable/i.test(err instanceof Error ? err.message : '') && lastError !== undefined ? lastError : err;
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: explainRedisFailure(endpoint, cause) }, { cause });
  } finally {
    client.disconnect();
  }
}
