import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessResultSchema, type HarnessResult } from '../../src/core/harness-result.js';
import { runGuarded, type ProcessOutcome } from '../../src/proc/guarded-spawn.js';
import { nativeTool } from '../../src/proc/repo-paths.js';

// The programs that consume each export format in production, run on the exported text.
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

async function inTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-export-'));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `systemd-analyze verify` of a minimal `unit` with `dropIn` as its `alloctune.conf` drop-in, found
 * through SYSTEMD_UNIT_PATH. systemd exits 0 on a bad drop-in line but names it on stderr, so
 * callers check both.
 */
export function verifySystemdDropIn(unit: string, dropIn: string): Promise<ProcessOutcome> {
  return inTempDir(async (dir) => {
    writeFileSync(join(dir, unit), '[Unit]\nDescription=alloctune export test\n[Service]\nExecStart=/bin/true\n');
    mkdirSync(join(dir, `${unit}.d`));
    writeFileSync(join(dir, `${unit}.d`, 'alloctune.conf'), dropIn);
    return runGuarded('systemd-analyze', ['verify', join(dir, unit)], { env: { ...env, SYSTEMD_UNIT_PATH: `${dir}:` }, timeoutMs: 60_000 });
  });
}

/** Every YAML document of `text` as PyYAML's safe loader reads it (what kubectl's YAML reader agrees with on plain data). */
export async function parseYaml(text: string): Promise<unknown[]> {
  const out = await runGuarded('python3', ['-c', 'import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'], { env, stdin: text, timeoutMs: 30_000 });
  assert.equal(out.exitCode, 0, out.stderr);
  return JSON.parse(out.stdout) as unknown[];
}

/** `sh -n` (parse only) of a script. */
export function shellSyntax(script: string): Promise<ProcessOutcome> {
  return runGuarded('sh', ['-n'], { env, stdin: script, timeoutMs: 30_000 });
}

/** Run `script` with `sh`, with `args`, in a temp directory that is passed as `$DIR`. */
export function runShell(script: string, args: readonly string[], then: (dir: string, out: ProcessOutcome) => void): Promise<void> {
  return inTempDir(async (dir) => {
    writeFileSync(join(dir, 'export.sh'), script);
    then(dir, await runGuarded('sh', [join(dir, 'export.sh'), ...args.map((a) => a.replaceAll('$DIR', dir))], { env, timeoutMs: 30_000 }));
  });
}

/**
 * Source an `env` export the way a POSIX shell script does (`set -a; . file`), then run `program`
 * in that environment: what it sees is what the export sets.
 */
export function runWithSourcedEnv(envFile: string, program: string, args: readonly string[]): Promise<ProcessOutcome> {
  return inTempDir(async (dir) => {
    writeFileSync(join(dir, 'alloctune.env'), envFile);
    return runGuarded('sh', ['-c', 'set -a; . "$1"; shift; exec "$@"', 'sh', join(dir, 'alloctune.env'), program, ...args], { env, timeoutMs: 30_000 });
  });
}

/** `native/build/allocbench --probe` in the environment that an `env` export sets when sourced by sh. */
export async function probeUnderEnvExport(envFile: string): Promise<{ result: HarnessResult; stderr: string }> {
  const out = await runWithSourcedEnv(envFile, nativeTool('allocbench'), ['--probe']);
  assert.equal(out.exitCode, 0, out.stderr);
  return { result: HarnessResultSchema.parse(JSON.parse(out.stdout)), stderr: out.stderr };
}
