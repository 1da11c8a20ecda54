import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { ExportEvidenceSchema, type ExportEvidence } from '../../src/core/export-evidence.js';
import { EXPORT_FORMATS, composeExport, formatsFor, renderExport, type ExportFormat, type RenderOptions } from '../../src/api/export/export-formats.js';
import { DEFAULT_EXPORT_TARGET, SystemdUnitSchema, type ExportTarget } from '../../src/api/export/export-target.js';
import { findAllocatorComplaints } from '../../src/harness/allocator-complaints.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { allocatorNames, debianLibraryPath, loadSpace } from '../../src/spaces/index.js';
import { parseYaml, probeUnderEnvExport, runShell, shellSyntax, verifySystemdDropIn } from '../helpers/export-consumers.js';

// Pure rendering from realistic evidence (a Redis memory campaign's winner), each format then read
// by the program that consumes it in production. The library path is the one a worker on this
// machine reports, so the probes below can really preload it.
const JEMALLOC = debianLibraryPath('jemalloc') ?? '';
const JEMALLOC_OPTIONS: RenderOptions = { encoding: 'malloc-conf', target: DEFAULT_EXPORT_TARGET };

function evidence(overrides: Partial<ExportEvidence> = {}): ExportEvidence {
  return ExportEvidenceSchema.parse({
    campaign_id: 'c1',
    campaign_name: 'redis memory',
    allocator: 'jemalloc',
    beats_baseline: true,
    verdict: 't7 beats the baseline on redis.rss_bytes_at_1000ms',
    chosen: {
      label: 't7',
      config: { dirty_decay_ms: 1000, narenas: 2 },
      env: { MALLOC_CONF: 'dirty_decay_ms:1000,narenas:2' },
      metrics: { 'redis.rss_bytes_at_1000ms': { mean: 357.8e6, ci_low: 356e6, ci_high: 359.5e6, n: 8, interval: { method: 'log-t', center: 357.7e6, low: 356e6, high: 359.5e6, level: 0.95, n: 8 } } },
      effective_options: { dirty_decay_ms: 1000, narenas: 2 },
    },
    baseline: {
      label: 'baseline',
      config: {},
      env: {},
      metrics: { 'redis.rss_bytes_at_1000ms': { mean: 552.4e6, ci_low: 551.5e6, ci_high: 553.3e6, n: 8, interval: { method: 'log-t', center: 552.3e6, low: 551.5e6, high: 553.3e6, level: 0.95, n: 8 } } },
    },
    claims: [
      { metric: 'redis.rss_bytes_at_1000ms', direction: 'min', improvement_pct: 35.2, test: 'wilcoxon signed-rank', pairs: 8, wins: 8, p_value: 0.0078, p_adjusted: 0.0234 },
    ],
    duels: [{ challenger: 't7', opponent: 'baseline', pairs: 8, wins: 8, metric: 'redis.rss_bytes_at_1000ms' }],
    preload: JEMALLOC,
    generated_at: '2026-11-21T00:00:00.000Z',
    ...overrides,
  });
}

/** A mimalloc winner: one variable per knob, values that YAML would read as numbers unless quoted. */
function mimallocEvidence(): ExportEvidence {
  const e = evidence();
  const env = { MIMALLOC_ARENA_EAGER_COMMIT: '1', MIMALLOC_DECOMMIT_DELAY: '0' };
  return { ...e, allocator: 'mimalloc', chosen: { ...e.chosen, config: { MIMALLOC_ARENA_EAGER_COMMIT: 1, MIMALLOC_DECOMMIT_DELAY: 0 }, env }, preload: '/usr/lib/x86_64-linux-gnu/libmimalloc.so.2' };
}

function value(format: ExportFormat, e = evidence(), options = JEMALLOC_OPTIONS): string {
  return renderExport(format, e, options).value;
}

function target(overrides: Partial<ExportTarget['k8s']> = {}, systemdUnit = DEFAULT_EXPORT_TARGET.systemdUnit): RenderOptions {
  return { encoding: 'malloc-conf', target: { k8s: { ...DEFAULT_EXPORT_TARGET.k8s, ...overrides }, systemdUnit } };
}

before(async () => {
  assert.ok(JEMALLOC !== '', "Debian's libjemalloc must be installed");
  const made = await runGuarded('make', ['-s', '-C', join(REPO_ROOT, 'native'), 'all'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, timeoutMs: 300_000 });
  assert.equal(made.exitCode, 0, made.stderr);
});

describe('malloc_conf and env: the value alone, evidence apart', () => {
  it('malloc_conf is exactly the MALLOC_CONF string and a newline; with_evidence appends comment lines', () => {
    const r = renderExport('malloc_conf', evidence(), JEMALLOC_OPTIONS);
    assert.equal(r.value, 'dirty_decay_ms:1000,narenas:2\n');
    assert.equal(composeExport(r, false), r.value);
    const inline = composeExport(r, true).split('\n');
    assert.equal(inline[0], 'dirty_decay_ms:1000,narenas:2');
    assert.ok(inline.slice(1).filter(Boolean).every((l) => l.startsWith('# ')), inline.join('\n'));
    assert.match(r.evidence, /Holm-adjusted p=0\.0234/);
    assert.match(r.evidence, /won 8\/8/);
  });

  it('each knob line says once why the knob is there: what its step found, or that it was kept untested', () => {
    const e = evidence({
      knobs: [
        { knob: 'dirty_decay_ms', value: 1000, baseline_value: 10000, distill_outcome: 'carries_gain', distill_summary: 'reverting costs 7.0% (at least 5.8%), beyond the margin 1%' },
        { knob: 'narenas', value: 2, baseline_value: 8, distill_outcome: 'untested', distill_summary: 'kept untested: the step budget (max_steps) ran out' },
      ],
    });
    const lines = renderExport('malloc_conf', e, JEMALLOC_OPTIONS).evidence.split('\n');
    assert.ok(lines.includes('# knob dirty_decay_ms=1000 (baseline 10000; kept, carries_gain: reverting costs 7.0% (at least 5.8%), beyond the margin 1%)'), lines.join('\n'));
    assert.ok(lines.includes('# knob narenas=2 (baseline 8; kept untested: the step budget (max_steps) ran out)'), lines.join('\n'));
  });

  it('env is KEY=value lines only; the evidence and warnings are comments of their own', () => {
    const r = renderExport('env', evidence(), JEMALLOC_OPTIONS);
    assert.equal(r.value, `MALLOC_CONF=dirty_decay_ms:1000,narenas:2\nLD_PRELOAD=${JEMALLOC}\n`);
    assert.ok(r.evidence.trimEnd().split('\n').every((l) => l.startsWith('# ')));
  });

  it('jemalloc reads the exported MALLOC_CONF: allocbench --probe under the sourced env export reads the options back, no complaint', async () => {
    const envFile = value('env');
    assert.equal((await shellSyntax(envFile)).exitCode, 0);
    const { result, stderr } = await probeUnderEnvExport(composeExport(renderExport('env', evidence(), JEMALLOC_OPTIONS), true));
    assert.equal(result.allocator.name, 'jemalloc');
    assert.equal(result.allocator.options['narenas'], 2);
    assert.equal(result.allocator.options['dirty_decay_ms'], 1000);
    assert.deepEqual(findAllocatorComplaints(stderr), [], stderr);
  });

  it('the probe is a real check: a MALLOC_CONF jemalloc does not know is complained about', async () => {
    const bad = evidence({ chosen: { ...evidence().chosen, env: { MALLOC_CONF: 'dirty_decay_ms:1000,no_such_knob:1' } } });
    const { stderr } = await probeUnderEnvExport(value('env', bad));
    assert.match(findAllocatorComplaints(stderr).join('\n'), /no_such_knob/);
  });

  it('the bare malloc_conf value is what jemalloc reads as MALLOC_CONF', async () => {
    const { result, stderr } = await probeUnderEnvExport(`MALLOC_CONF=${value('malloc_conf').trimEnd()}\nLD_PRELOAD=${JEMALLOC}\n`);
    assert.equal(result.allocator.options['dirty_decay_ms'], 1000);
    assert.deepEqual(findAllocatorComplaints(stderr), [], stderr);
  });
});

describe('systemd drop-in', () => {
  it('systemd-analyze verify reads the drop-in of redis-server.service without a complaint', async () => {
    const dropIn = composeExport(renderExport('systemd', evidence(), JEMALLOC_OPTIONS), true);
    assert.match(dropIn, /^\[Service\]$/m);
    assert.match(dropIn, /^# Drop-in for redis-server\.service: save as \/etc\/systemd\/system\/redis-server\.service\.d\/alloctune\.conf/m);
    assert.match(dropIn, /^# {3}systemctl daemon-reload && systemctl restart redis-server\.service$/m);
    assert.match(dropIn, /^Environment="MALLOC_CONF=dirty_decay_ms:1000,narenas:2"$/m);
    assert.ok(dropIn.includes(`\nEnvironment="LD_PRELOAD=${JEMALLOC}"\n`));
    const out = await verifySystemdDropIn('redis-server.service', dropIn);
    assert.equal(out.exitCode, 0, out.stderr);
    assert.equal(out.stderr.trim(), '');
  });

  it('the check is real: systemd-analyze names a broken line of the same drop-in', async () => {
    const out = await verifySystemdDropIn('redis-server.service', value('systemd').replace('Environment="MALLOC_CONF', 'Environmnt="MALLOC_CONF'));
    assert.match(out.stderr, /alloctune\.conf:\d+: Unknown key 'Environmnt'/);
  });

  it('the [Service] lines come before any evidence, and % is doubled for systemd specifiers', async () => {
    const e = evidence({ chosen: { ...evidence().chosen, env: { MALLOC_CONF: 'dirty_decay_ms:1000', X_PCT: '50%' } } });
    const r = renderExport('systemd', e, target({}, SystemdUnitSchema.parse('redis-server@6380')));
    const lines = composeExport(r, true).split('\n');
    const lastSetting = lines.findLastIndex((l) => l.startsWith('Environment='));
    assert.ok(lastSetting < lines.findIndex((l) => l.startsWith('# alloctune campaign')), 'settings first');
    assert.ok(lines.includes('Environment="X_PCT=50%%"'));
    assert.match(r.value, /redis-server@6380\.service\.d\/alloctune\.conf/);
    const out = await verifySystemdDropIn('redis-server@6380.service', composeExport(r, true));
    assert.equal(out.stderr.trim(), '');
  });

  it('unit names are checked strictly: no path, no leading dot or dash, no backslash', () => {
    assert.equal(SystemdUnitSchema.parse('redis-server'), 'redis-server.service');
    assert.equal(SystemdUnitSchema.parse('redis@.service'), 'redis@.service');
    for (const bad of ['../etc/passwd', 'a/b', '.hidden', '-x', 'redis\\x2d', 'a b', 'r..s', '', 'x'.repeat(241)]) {
      assert.equal(SystemdUnitSchema.safeParse(bad).success, false, bad);
    }
  });
});

describe('k8s', () => {
  it('the default is a strategic-merge patch of Deployment redis, container redis, with string values', async () => {
    const text = composeExport(renderExport('k8s', evidence(), JEMALLOC_OPTIONS), true);
    assert.match(text, /^# kubectl patch deployment redis --type strategic --patch-file alloctune-patch\.yaml$/m);
    assert.deepEqual(await parseYaml(text), [
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'redis',
                  env: [
                    { name: 'MALLOC_CONF', value: 'dirty_decay_ms:1000,narenas:2' },
                    { name: 'LD_PRELOAD', value: JEMALLOC },
                  ],
                },
              ],
            },
          },
        },
      },
    ]);
  });

  it('a named StatefulSet and container; numeric-looking values stay strings', async () => {
    const options: RenderOptions = { encoding: 'env', target: target({ kind: 'StatefulSet', name: 'cache.prod', container: 'redis-7' }).target };
    const text = value('k8s', mimallocEvidence(), options);
    assert.match(text, /^# kubectl patch statefulset cache\.prod --type strategic/m);
    const [doc] = (await parseYaml(text)) as [{ spec: { template: { spec: { containers: { name: string; env: { name: string; value: unknown }[] }[] } } } }];
    const [container] = doc.spec.template.spec.containers;
    assert.equal(container?.name, 'redis-7');
    assert.deepEqual(container?.env.find((v) => v.name === 'MIMALLOC_ARENA_EAGER_COMMIT'), { name: 'MIMALLOC_ARENA_EAGER_COMMIT', value: '1' });
    assert.ok(container?.env.every((v) => typeof v.value === 'string'));
  });

  it('k8s_form=env gives the bare env list; an empty environment is an empty list, not null', async () => {
    const [doc] = (await parseYaml(value('k8s', evidence(), target({ form: 'env' })))) as [{ env: unknown[] }];
    assert.equal(doc.env.length, 2);
    const empty = { ...evidence(), preload: undefined, chosen: { ...evidence().chosen, env: {} } } as ExportEvidence;
    assert.deepEqual(await parseYaml(value('k8s', empty, target({ form: 'env' }))), [{ env: [] }]);
    const [patch] = (await parseYaml(value('k8s', empty))) as [{ spec: { template: { spec: { containers: { env: unknown[] }[] } } } }];
    assert.deepEqual(patch.spec.template.spec.containers[0]?.env, []);
  });
});

describe('malloc.conf and docker', () => {
  it('the malloc.conf script passes sh -n and links the value (tried on a temp path)', async () => {
    const script = composeExport(renderExport('malloc.conf', evidence(), JEMALLOC_OPTIONS), true);
    assert.ok(script.startsWith('#!/bin/sh\n'));
    assert.equal((await shellSyntax(script)).exitCode, 0);
    await runShell(script, ['$DIR/malloc.conf'], (dir, out) => {
      assert.equal(out.exitCode, 0, out.stderr);
      assert.equal(readlinkSync(join(dir, 'malloc.conf')), 'dirty_decay_ms:1000,narenas:2');
    });
  });

  it('docker has one ENV line per variable and nothing else', () => {
    assert.equal(value('docker'), `ENV MALLOC_CONF=dirty_decay_ms:1000,narenas:2\nENV LD_PRELOAD=${JEMALLOC}\n`);
  });
});

describe('which formats fit, warnings, library path', () => {
  it('formats follow the space encoding: malloc_conf and malloc.conf only where the space encodes MALLOC_CONF', () => {
    for (const allocator of allocatorNames()) {
      const space = loadSpace(allocator);
      const fits = formatsFor(space.encoding.format);
      assert.equal(fits.includes('malloc_conf'), space.encoding.format === 'malloc-conf', allocator);
      assert.equal(fits.includes('malloc.conf'), space.encoding.format === 'malloc-conf', allocator);
      for (const f of ['env', 'systemd', 'docker', 'k8s', 'json'] as const) assert.ok(fits.includes(f), `${allocator} ${f}`);
    }
  });

  it('a format that does not fit is a 400 naming the formats that do', () => {
    assert.throws(
      () => renderExport('malloc_conf', mimallocEvidence(), { encoding: 'env', target: DEFAULT_EXPORT_TARGET }),
      (err) => isAlloctuneError(err, 'ALLOCTUNE_ERR_INVALID_INPUT') && err.status === 400 && /format/.test(err.message) && /formats that fit: env, systemd, docker, k8s, json$/.test(err.message),
    );
  });

  it('the jemalloc export warns that a bundled, je_-prefixed jemalloc ignores MALLOC_CONF and LD_PRELOAD, as a comment and a JSON field', () => {
    const r = renderExport('malloc_conf', evidence(), JEMALLOC_OPTIONS);
    assert.match(r.evidence, /^# warning: MALLOC_CONF reaches only an unprefixed jemalloc.*JE_MALLOC_CONF/m);
    assert.doesNotMatch(r.value, /warning/);
    const json = JSON.parse(value('json')) as { deploy_warnings: string[] };
    assert.ok(json.deploy_warnings.some((w) => /bundled, prefixed jemalloc ignores MALLOC_CONF/.test(w)));
    assert.ok(json.deploy_warnings.some((w) => w.includes(`LD_PRELOAD=${JEMALLOC} is the library the worker loaded`)));
    const mimalloc = JSON.parse(value('json', mimallocEvidence(), { encoding: 'env', target: DEFAULT_EXPORT_TARGET })) as { deploy_warnings: string[] };
    assert.ok(!mimalloc.deploy_warnings.some((w) => /MALLOC_CONF/.test(w)));
  });

  it('the library path is the evidence preload; without one, no LD_PRELOAD and a warning to set it', () => {
    const e = evidence({ preload: '/opt/jemalloc/lib/libjemalloc.so.2' });
    assert.match(value('env', e), /^LD_PRELOAD=\/opt\/jemalloc\/lib\/libjemalloc\.so\.2$/m);
    const none = { ...evidence(), preload: undefined } as ExportEvidence;
    assert.doesNotMatch(value('env', none), /LD_PRELOAD/);
    assert.match(renderExport('env', none, JEMALLOC_OPTIONS).evidence, /library path is unknown/);
    const odd = evidence({ preload: '/opt/lib jemalloc.so' });
    assert.doesNotMatch(value('systemd', odd), /LD_PRELOAD/);
    assert.match(renderExport('systemd', odd, JEMALLOC_OPTIONS).evidence, /LD_PRELOAD is left out/);
  });

  it('json round-trips through the evidence schema and adds deploy_warnings', () => {
    const e = evidence();
    const parsed = JSON.parse(value('json', e)) as Record<string, unknown>;
    assert.ok(Array.isArray(parsed['deploy_warnings']));
    assert.deepEqual(ExportEvidenceSchema.parse(parsed), e);
  });

  it('with evidence, every format states the verdict; the bare value of a text format never does', () => {
    const e = evidence({ beats_baseline: false, claims: [], verdict: 'nothing beat the baseline; exporting the baseline' });
    for (const format of EXPORT_FORMATS) {
      const r = renderExport(format, e, JEMALLOC_OPTIONS);
      assert.match(composeExport(r, true), /nothing beat the baseline/, format);
      if (format !== 'json') assert.doesNotMatch(r.value, /verdict/, format);
    }
  });
});
