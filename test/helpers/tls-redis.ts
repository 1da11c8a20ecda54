import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardedSpawn, type GuardedProcess } from '../../src/proc/guarded-spawn.js';
import { freeLoopbackPort } from '../../src/redis/free-port.js';
import { checkRedisConnection, type RedisConnection } from '../../src/redis/redis-connection.js';

/** Files of a throwaway PKI: a CA, a server certificate for 127.0.0.1/localhost and a client certificate. */
export interface TestPki {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Generate the certificates with openssl (EC P-256 keys, valid for two days) into `dir`. */
export function generatePki(dir: string): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=alloctune test CA'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  openssl(['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=alloctune client'], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2'], dir);
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
  };
}

/** A redis-server that speaks only TLS (client certificates required) and knows only the given ACL users. */
export interface TlsRedis {
  port: number;
  pki: TestPki;
  proc: GuardedProcess;
  /** `rediss://<user>@127.0.0.1:<port>` with the user's password and the client certificate. */
  connection(user: string, password: string): RedisConnection;
  stop(): Promise<void>;
}

/**
 * Start redis-server with `--port 0` (no plain-text listener), a TLS port and an ACL file holding
 * `users` (lines of ACL rules without the leading `user`); the default user is disabled. An `admin`
 * user with every permission is added for the test's own checks.
 */
export async function startTlsRedis(users: Record<string, string>, adminPassword = 'admin-pass'): Promise<TlsRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-tls-redis-'));
  const pki = generatePki(dir);
  const acl = ['user default off', `user admin on >${adminPassword} ~* &* +@all`, ...Object.entries(users).map(([name, rules]) => `user ${name} ${rules}`)];
  writeFileSync(join(dir, 'users.acl'), `${acl.join('\n')}\n`, { mode: 0o600 });
  const port = await freeLoopbackPort();
  const proc = guardedSpawn(
    'redis-server',
    ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', pki.serverCertFile, '--tls-key-file', pki.serverKeyFile,
      '--tls-ca-cert-file', pki.caFile, '--tls-auth-clients', 'yes', '--aclfile', join(dir, 'users.acl'), '--dir', dir, '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction', '--logfile', ''],
    { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, cwd: dir, deathSignal: 'TERM', maxOutputBytes: 256 * 1024 },
  );
  const connection = (user: string, password: string): RedisConnection => ({
    url: `rediss://${user}@127.0.0.1:${port}`,
    password,
    tls: { ca: readFileSync(pki.caFile, 'utf8'), cert: readFileSync(pki.clientCertFile, 'utf8'), key: readFileSync(pki.clientKeyFile, 'utf8') },
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await checkRedisConnection(connection('admin', adminPassword), 1000);
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    pki,
    proc,
    connection,
    stop: async () => {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await proc.done;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
