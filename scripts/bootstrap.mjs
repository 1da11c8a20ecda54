#!/usr/bin/env node
// Bootstrap used by both README commands (`npm run demo`, `npm test`). Idempotent and quick when
// everything is in place: Debian packages, npm dependencies, native tools, TypeScript build.
// Plain JavaScript with Node built-ins only, because it runs before `npm ci`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

/**
 * The Debian packages of the shipped allocator definitions (`load.debian_package` in
 * search-spaces/*.json): a new definition brings its package along without an edit here.
 */
function allocatorPackages() {
  const dir = join(root, 'search-spaces');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, f), 'utf8'))?.load?.debian_package;
        return typeof pkg === 'string' && /^[a-z0-9][a-z0-9.+-]{1,63}$/.test(pkg) ? [pkg] : [];
      } catch {
        return []; // the loader reports a broken definition; the bootstrap installs what it can
      }
    });
}

/** Debian packages alloctune needs at run and test time. */
export const DEBIAN_PACKAGES = [
  'redis-server',
  'redis-tools',
  ...allocatorPackages(),
  'gcc',
  'make',
  'libc6-dev',
  'procps',
  'chromium',
  // The report plots (experiments/) render text with DejaVu: same fonts, same PNG bytes.
  'fonts-dejavu-core',
  // TLS certificates for the TLS + ACL Redis test; PyYAML (YAML 1.1) reads the k8s export in a test.
  'openssl',
  'python3-yaml',
  // systemd-analyze verify reads the exported systemd drop-in in a test (no systemd runs as PID 1).
  'systemd',
  // A real terminal for the `campaign watch` test (80x24 pane, capture-pane reads the screen).
  'tmux',
  // Test time only: test/trace/trace-sqlite.test.ts records sqlite3 on a generated database (~0.5 MB installed).
  'sqlite3',
  // Extra names for tests of the not-root path (a package that cannot be installed).
  ...(process.env.ALLOCTUNE_BOOTSTRAP_EXTRA_PACKAGES ?? '').split(',').filter(Boolean),
];

function say(message) {
  if (!quiet) console.log(`bootstrap: ${message}`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${cmd}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`);
}

function missingDebianPackages() {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\\n', ...DEBIAN_PACKAGES], {
    encoding: 'utf8',
  });
  if (query.error) return null; // no dpkg: not a Debian system
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => /^\S+ ii/.test(line))
      .map((line) => line.split(' ')[0]),
  );
  return DEBIAN_PACKAGES.filter((name) => !installed.has(name));
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing === null) {
    say('dpkg not found; make sure redis-server, redis-benchmark, the allocator libraries of search-spaces/*.json and a C compiler are installed');
    return;
  }
  if (missing.length === 0) {
    say('debian packages present');
    return;
  }
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`bootstrap: missing Debian packages: ${missing.join(', ')}`);
    console.error(`bootstrap: run as root:  apt-get update && ${line}`);
    process.exit(1);
  }
  say(`installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A fresh machine may have empty package lists.
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

function ensureNodeModules() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const digest = createHash('sha256').update(lock).update(readFileSync(join(root, 'package.json'))).digest('hex');
  const marker = join(root, 'node_modules', '.alloctune-lock-sha256');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === digest) {
    say('node_modules up to date');
    return;
  }
  say('npm ci');
  // @tensorflow/tfjs-node is optional: its binary download fails without general internet access,
  // and npm then leaves it out; @tensorflow/tfjs stays as the backend.
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(marker, digest);
}

function buildNative() {
  run('make', ['-s', '-C', 'native'], { stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
  say('native tools built');
}

function buildTypeScript() {
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json']);
  say('typescript built');
}

try {
  ensureDebianPackages();
  ensureNodeModules();
  buildNative();
  buildTypeScript();
} catch (err) {
  console.error(`bootstrap: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
