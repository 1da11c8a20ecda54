#!/usr/bin/env node
// Runs the test suite with Node's test runner (TypeScript through tsx), then checks that no process
// the run started is still alive.
//
//   node scripts/run-tests.mjs [--unit] [FILTER|FILE ...]
//
// FILTER keeps the discovered test files (test/**/*.test.ts) whose path contains it; an argument
// naming an existing file runs that file even when discovery would not pick it up (the fixtures
// of test/scripts/run-tests.test.ts). --unit runs only the pure-logic files (*.unit.test.ts) with
// test/helpers/unit-purity.ts preloaded, which makes child processes and network connections throw.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Environment variable that marks every process of one run. Children inherit it; guardedSpawn
 * (src/proc/guarded-spawn.ts), which gives targets a fixed environment, passes it on explicitly.
 */
const RUN_MARKER = 'ALLOCTUNE_TEST_RUN';
const UNIT_SUFFIX = '.unit.test.ts';
const UNIT_PRELOAD = 'test/helpers/unit-purity.ts';
/** How long marked processes may take to exit after the runner returns (groups killed at the very end). */
const LEFTOVER_WAIT_MS = 10_000;
const LEFTOVER_POLL_MS = 100;

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Live processes whose initial environment carries `marker=runId`, with their command lines. */
function markedProcesses(runId) {
  const wanted = `${RUN_MARKER}=${runId}`;
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A zombie has an empty environ, so only processes that still run are counted.
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(wanted)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      found.push({ pid: Number(entry), cmdline });
    } catch {
      // The process ended while we looked, or it is not ours to read.
    }
  }
  return found;
}

async function survivorsAfter(runId, waitMs) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const alive = markedProcesses(runId);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((r) => setTimeout(r, LEFTOVER_POLL_MS));
  }
}

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const selectors = args.filter((a) => a !== '--unit');
const explicit = selectors.filter((a) => a.endsWith('.ts') && existsSync(resolve(a))).map((a) => relative(root, resolve(a)));
const filters = selectors.filter((a) => !explicit.includes(relative(root, resolve(a))));
const discovered = testFiles(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => !unit || f.endsWith(UNIT_SUFFIX))
  .filter((f) => (filters.length === 0 && explicit.length === 0) || filters.some((x) => f.includes(x)));
const files = [...new Set([...discovered, ...explicit])].sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const runId = randomUUID();
const concurrency = process.env.ALLOCTUNE_TEST_CONCURRENCY ?? '1';
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    ...(unit ? ['--import', `./${UNIT_PRELOAD}`] : []),
    '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, '--test-timeout=600000',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ALLOCTUNE_TEST: '1', [RUN_MARKER]: runId } },
);
const survivors = await survivorsAfter(runId, LEFTOVER_WAIT_MS);
if (survivors.length > 0) {
  console.error(`run-tests: ${survivors.length} process(es) started by this run still alive ${LEFTOVER_WAIT_MS / 1000} s after it ended:`);
  for (const p of survivors) console.error(`run-tests:   pid ${p.pid}: ${p.cmdline}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
