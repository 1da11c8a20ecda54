#!/usr/bin/env node
// Runs the test suite with Node's test runner (TypeScript through tsx), then checks that no
// redis-server, harness or probe process started during the run is still alive.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WATCHED = /^(redis-server|redis-benchmark|allocbench|rttprobe|spawn-guard)/;

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

function watchedProcesses() {
  const found = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (WATCHED.test(comm)) found.set(entry, comm);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

const filters = process.argv.slice(2);
const files = testFiles(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const before = watchedProcesses();
const concurrency = process.env.ALLOCTUNE_TEST_CONCURRENCY ?? '1';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ALLOCTUNE_TEST: '1' } },
);
// Give process groups killed at the very end a moment to be reaped.
await new Promise((r) => setTimeout(r, 500));
const leftovers = [...watchedProcesses()].filter(([pid]) => !before.has(pid));
if (leftovers.length > 0) {
  console.error(`run-tests: processes left behind: ${leftovers.map(([pid, comm]) => `${comm}(${pid})`).join(', ')}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
