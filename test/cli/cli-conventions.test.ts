import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/command-registry.js';
import { documentedMetric, METRIC_CATALOGUE } from '../../src/service/metric-catalogue.js';
import { metricCatalogueMarkdown } from '../../src/service/metric-catalogue-table.js';
import { runGuarded, type ProcessOutcome } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

// The real CLI (node --import tsx src/cli/main.ts): every command and subcommand answers --help, and
// every error is one line `alloctune <command>: ALLOCTUNE_ERR_<CODE>: ...` with exit status 2 for a
// command line that is wrong and 1 for a failure while running, with no stack trace unless --debug.

const home = mkdtempSync(join(tmpdir(), 'alloctune-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));

function cli(args: readonly string[]): Promise<ProcessOutcome> {
  return runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, ALLOCTUNE_HOME: home, ALLOCTUNE_URL: '', REDIS_URL: '' },
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
}

/** Runs `jobs` at most `width` at a time (each is a node process on a shared machine). */
async function pooled<T>(jobs: readonly (() => Promise<T>)[], width = 3): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    for (let i = next++; i < jobs.length; i = next++) results[i] = await (jobs[i] as () => Promise<T>)();
  }));
  return results;
}

const ONE_ERROR_LINE = /^alloctune( [a-z]+)?: ALLOCTUNE_ERR_[A-Z_]+: [^\n]+\n$/;

function assertOneLine(out: ProcessOutcome, status: number, pattern: RegExp, what: string): void {
  assert.equal(out.exitCode, status, `${what}: exit status (stderr: ${out.stderr})`);
  assert.match(out.stderr, ONE_ERROR_LINE, `${what}: one error line`);
  assert.match(out.stderr, pattern, what);
  assert.doesNotMatch(out.stderr, /\n\s+at /, `${what}: no stack trace`);
}

/** Subcommands a help text shows, from its usage lines (`alloctune campaign start ...`). */
function subcommands(name: string, help: string): string[] {
  const found = [...help.matchAll(new RegExp(`alloctune ${name} ([a-z][a-z-]*)`, 'g'))].map((m) => m[1] as string);
  return [...new Set(found)];
}

describe('alloctune CLI conventions (real binary)', () => {
  it('answers --help for every command of the registry and every subcommand its usage shows, changing nothing', async () => {
    const names = Object.keys(COMMANDS);
    const tops = await pooled(names.map((name) => () => cli([name, '--help'])));
    const subs: [string, string][] = [];
    tops.forEach((out, i) => {
      const name = names[i] as string;
      assert.equal(out.exitCode, 0, `${name} --help: ${out.stderr}`);
      assert.equal(out.stderr, '', `${name} --help writes nothing on stderr`);
      assert.match(out.stdout, new RegExp(`^usage: alloctune ${name}\\b`), `${name} --help starts with its usage`);
      for (const sub of subcommands(name, out.stdout)) subs.push([name, sub]);
    });
    assert.ok(subs.some(([n, s]) => n === 'campaign' && s === 'watch'), 'campaign watch found in its usage');
    const outs = await pooled(subs.map(([name, sub]) => () => cli([name, sub, '--help'])));
    outs.forEach((out, i) => {
      const [name, sub] = subs[i] as [string, string];
      assert.equal(out.exitCode, 0, `${name} ${sub} --help: ${out.stderr}`);
      assert.match(out.stdout, new RegExp(`usage: alloctune ${name}`), `${name} ${sub} --help`);
    });
    const top = await cli(['--help']);
    assert.equal(top.exitCode, 0);
    for (const name of names) assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'), `alloctune --help lists ${name}`);
    const viaHelp = await cli(['help', 'campaign']);
    assert.equal(viaHelp.exitCode, 0);
    assert.match(viaHelp.stdout, /^usage: alloctune campaign/);
  });

  it('metrics prints the catalogue as text, JSON and the README table', async () => {
    const [text, json, markdown] = await pooled([() => cli(['metrics', 'redis']), () => cli(['metrics', '--json']), () => cli(['metrics', '--markdown'])]);
    assert.equal(text?.exitCode, 0, text?.stderr);
    assert.match(text?.stdout ?? '', /^ {2}rss_bytes_at_<N>ms +bytes +lower +redis-server RSS/m);
    assert.doesNotMatch(text?.stdout ?? '', /^harness/m);
    assert.deepEqual((JSON.parse(json?.stdout ?? '') as { metrics: unknown[] }).metrics, METRIC_CATALOGUE.map(documentedMetric));
    assert.equal(markdown?.stdout, `${metricCatalogueMarkdown()}\n`);
  });

  it('demo --help prints its usage and starts nothing', async () => {
    const out = await cli(['demo', '--help']);
    assert.equal(out.exitCode, 0, out.stderr);
    assert.match(out.stdout, /^usage: alloctune demo \[--campaign FILE.json\]/);
    assert.doesNotMatch(out.stdout, /^(redis|service|worker): /m);
    assert.ok(out.durationMs < 30_000, `took ${out.durationMs} ms`);
  });

  it('usage errors are one line with exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^alloctune: ALLOCTUNE_ERR_INVALID_INPUT: invalid command: unknown command 'frobnicate' \(see 'alloctune --help'\)/],
      [['campaign', 'list', '--frob'], /^alloctune campaign: .*Unknown option '--frob' \(see 'alloctune campaign --help'\)/],
      [['campaign', 'watch'], /invalid ID: missing \(alloctune campaign watch ID\)/],
      [['campaign'], /invalid action: missing, one of start, watch/],
      [['campaign', 'explode', 'c1'], /unknown action 'explode'/],
      [['trial', '--workload', 'harness:threadtest'], /^alloctune trial: .*invalid --allocator: missing: one of glibc, hakmem, jemalloc, mimalloc, tcmalloc/],
      [['trial', '--allocator', 'jemalloc'], /invalid --workload: missing/],
      [['trial', '--allocator', 'jemalloc', '--workload', 'harness:threadtest', '--workload-options', 'x.json'], /--workload-options: applies to a redis workload/],
      [['space', 'show'], /^alloctune space: .*invalid NAME: missing: one of glibc, hakmem, jemalloc, mimalloc, tcmalloc/],
      [['space'], /invalid verb: missing/],
      [['bench'], /missing benchmark name/],
      [['redis', 'acl'], /invalid ROLE: missing: one of service, worker/],
      [['metrics', 'heap'], /invalid KIND: unknown 'heap'/],
      [['serve', '--port', '99999'], /invalid --port: '99999' is not 0-65535/],
      [['worker', '--cpus', '1'], /invalid --redis: missing/],
      [['demo', '--bogus'], /^alloctune demo: .*Unknown option '--bogus'/],
    ];
    const outs = await pooled(cases.map(([args]) => () => cli(args)));
    outs.forEach((out, i) => {
      const [args, pattern] = cases[i] as [string[], RegExp];
      assertOneLine(out, 2, pattern, args.join(' '));
    });
  });

  it('failures are one line with exit status 1: missing file, bad JSON with file and position, bad --config, service unreachable', async () => {
    const bad = join(home, 'bad.json');
    writeFileSync(bad, '{\n  "name": "x",\n  "allocator": jemalloc\n}\n');
    const badOptions = join(home, 'redis-options.json');
    writeFileSync(badOptions, JSON.stringify({ load: [{ value_bytes: 0, keys: 10 }], delete_fraction: 2 }));
    const missing = join(home, 'missing.json');
    const cases: [string[], RegExp][] = [
      [['campaign', 'start', missing], new RegExp(`ALLOCTUNE_ERR_INVALID_INPUT: invalid campaign file: ${missing}: no such file$`, 'm')],
      [['campaign', 'start', bad], new RegExp(`invalid campaign file: ${bad}:3:16: not valid JSON \\(Unexpected token 'j'\\)$`, 'm')],
      [['campaign', 'list', '--url', 'http://127.0.0.1:1'], /^alloctune campaign: ALLOCTUNE_ERR_SETUP: cannot reach the service at http:\/\/127\.0\.0\.1:1/],
      [['trial', '--allocator', 'jemalloc', '--config', 'narenas:abc', '--workload', 'harness:threadtest'], /^alloctune trial: ALLOCTUNE_ERR_CONFIG_VALUE: narenas/],
      [['trial', '--allocator', 'jemalloc', '--config', '{"narenas": 2', '--workload', 'harness:threadtest'], /ALLOCTUNE_ERR_INVALID_INPUT: invalid config: /],
      [['trial', '--allocator', 'mimalloc', '--config', 'MIMALLOC_NO_SUCH=1', '--workload', 'harness:threadtest'], /^alloctune trial: ALLOCTUNE_ERR_[A-Z_]+: .*MIMALLOC_NO_SUCH/],
      [['trial', '--allocator', 'jemalloc', '--workload', 'redis', '--workload-options', badOptions], /invalid --workload-options: .*redis-options\.json: load\.0\.value_bytes: .*; delete_fraction: /],
      [['trial', '--allocator', 'jemalloc', '--workload', 'harness:threadtest', '--repeats', 'many'], /invalid --repeats: 'many': /],
      [['demo', '--campaign', missing], /^alloctune demo: ALLOCTUNE_ERR_INVALID_INPUT: invalid --campaign: .*missing\.json: no such file$/m],
      [['space', 'show', 'jemalloc', '--overrides', '{nope'], /ALLOCTUNE_ERR_INVALID_INPUT: invalid overrides: not JSON/],
    ];
    const outs = await pooled(cases.map(([args]) => () => cli(args)));
    outs.forEach((out, i) => {
      const [args, pattern] = cases[i] as [string[], RegExp];
      assertOneLine(out, 1, pattern, args.join(' '));
      assert.equal(out.stdout, '', `${args.join(' ')}: nothing on stdout`);
    });
  });

  it('--debug adds the stack trace after the one line', async () => {
    const out = await cli(['campaign', 'start', join(home, 'missing.json'), '--debug']);
    assert.equal(out.exitCode, 1);
    const [first, ...rest] = out.stderr.split('\n');
    assert.match(first ?? '', /^alloctune campaign: ALLOCTUNE_ERR_INVALID_INPUT: /);
    assert.match(rest.join('\n'), /^AlloctuneError: .*\n\s+at /);
  });
});
