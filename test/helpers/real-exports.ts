import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAllocatorComplaints } from '../../src/harness/allocator-complaints.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { parseYaml, probeUnderEnvExport, verifySystemdDropIn } from './export-consumers.js';

/**
 * The exports of a finished jemalloc campaign, each read by its consumer: the bare malloc_conf and
 * env values by jemalloc (allocbench --probe, no complaint), the systemd drop-in by systemd-analyze,
 * the k8s patch by a YAML parser, and `alloctune campaign export` splitting value (stdout) from
 * evidence (--evidence FILE).
 */
export async function checkRealExports(url: string, id: string, preload: string | undefined): Promise<void> {
  const text = async (query: string): Promise<string> => {
    const res = await fetch(`${url}/v1/campaigns/${id}/export?${query}`);
    assert.equal(res.status, 200, query);
    return res.text();
  };
  assert.ok(preload?.startsWith('/'), `the worker reported its library: ${String(preload)}`);
  const mallocConf = await text('format=malloc_conf');
  assert.match(mallocConf, /^([a-z_]+:[^,\s]+(,[a-z_]+:[^,\s]+)*)?\n$/, 'the value alone');
  const env = await text('format=env');
  assert.ok(env.split('\n').filter(Boolean).every((l) => /^[A-Z_]+=\S+$/.test(l)), env);
  assert.ok(env.includes(`LD_PRELOAD=${preload}\n`), 'the library path is the worker read-back');
  const { result, stderr } = await probeUnderEnvExport(env);
  assert.equal(result.allocator.name, 'jemalloc');
  assert.deepEqual(findAllocatorComplaints(stderr), [], stderr);
  for (const pair of mallocConf.trim().split(',').filter(Boolean)) {
    const [key, value] = pair.split(':') as [string, string];
    // A few keys have no opt.* node to read back (narenas_ratio, slab_sizes, ...: allocator-knobs.md section 6).
    const read = result.allocator.options[key];
    if (read !== undefined) assert.equal(String(read), value, `jemalloc read ${pair} back`);
  }

  const dropIn = await text('format=systemd&unit=redis-server&with_evidence=true');
  const verified = await verifySystemdDropIn('redis-server.service', dropIn);
  assert.equal(verified.exitCode, 0, verified.stderr);
  assert.equal(verified.stderr.trim(), '');

  const [patch] = (await parseYaml(await text('format=k8s&k8s_kind=StatefulSet&k8s_name=cache&k8s_container=redis&with_evidence=true'))) as [
    { spec: { template: { spec: { containers: { name: string; env: { name: string; value: string }[] }[] } } } },
  ];
  const container = patch.spec.template.spec.containers[0];
  assert.equal(container?.name, 'redis');
  assert.ok(container?.env.some((v) => v.name === 'LD_PRELOAD' && v.value === preload));

  const dir = mkdtempSync(join(tmpdir(), 'alloctune-cli-export-'));
  try {
    const evidenceFile = join(dir, 'evidence.txt');
    const exportCli = (...args: string[]) =>
      runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'campaign', 'export', id, '--url', url, ...args], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, ALLOCTUNE_TEST: '1' },
        cwd: REPO_ROOT,
        timeoutMs: 60_000,
      });
    const toFile = await exportCli('--evidence', evidenceFile);
    assert.equal(toFile.exitCode, 0, toFile.stderr);
    assert.equal(toFile.stdout, mallocConf, 'the CLI picks malloc_conf for jemalloc and prints the value alone');
    assert.match(readFileSync(evidenceFile, 'utf8'), new RegExp(`^# alloctune campaign ${id}`));
    assert.equal(toFile.stderr, '');
    const toStderr = await exportCli('--format', 'env');
    assert.equal(toStderr.stdout, env);
    assert.match(toStderr.stderr, /^# verdict: /m);
    const inline = await exportCli('--format', 'systemd', '--unit', 'redis-server@main', '--with-evidence');
    assert.match(inline.stdout, /^# Drop-in for redis-server@main\.service[^]*^\[Service\]$[^]*^# verdict: /m);
    assert.equal(inline.stderr, '');
    const refused = await exportCli('--format', 'k8s', '--k8s-kind', 'Pod');
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /k8s_kind/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
