// Preloaded by `node scripts/run-tests.mjs --unit` (npm run test:unit) into every unit test file:
// the unit lane promises pure logic, so starting a child process or opening a network connection
// (Redis, HTTP to a real port) throws instead of quietly making the lane slow or host-dependent.
// app.inject() needs no socket, so API tests that only inject stay pure.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

/** Thrown by a forbidden call; its message names the call and the way out. */
export class UnitPurityError extends Error {
  constructor(what: string) {
    super(`${what} is not allowed in a unit test (*.unit.test.ts): move the test to a plain *.test.ts file`);
    this.name = 'UnitPurityError';
  }
}

/** tsx transforms test files through an esbuild service process; that one child is the runner's, not the test's. */
function isTranspilerService(file: unknown): boolean {
  return typeof file === 'string' && /[\\/]@esbuild[\\/]|[\\/]esbuild[\\/]/.test(file);
}

const SPAWNING = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
const patchable = childProcess as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const name of SPAWNING) {
  const original = patchable[name];
  if (original === undefined) continue;
  patchable[name] = function forbidden(this: unknown, ...args: unknown[]): unknown {
    if (isTranspilerService(args[0])) return original.apply(this, args);
    throw new UnitPurityError(`child_process.${name}(${typeof args[0] === 'string' ? JSON.stringify(args[0]) : ''})`);
  };
}

// Every TCP or Unix-socket client (ioredis, fetch, net.connect) ends in Socket#connect.
net.Socket.prototype.connect = function forbidden(...args: unknown[]): never {
  throw new UnitPurityError(`a network connection (net.Socket#connect ${JSON.stringify(args[0] ?? null)})`);
} as typeof net.Socket.prototype.connect;

// Named ESM imports (`import { spawn } from 'node:child_process'`) see the patched functions too.
syncBuiltinESMExports();
