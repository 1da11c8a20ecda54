import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExportEvidenceSchema, type ExportEvidence } from '../../src/core/export-evidence.js';
import { EXPORT_FORMATS, renderExport } from '../../src/api/export/export-formats.js';

function evidence(overrides: Partial<ExportEvidence> = {}): ExportEvidence {
  return ExportEvidenceSchema.parse({
    campaign_id: 'c1',
    campaign_name: 'redis memory',
    allocator: 'jemalloc',
    beats_baseline: true,
    verdict: 'dirty_decay_ms:1000 beats the baseline on redis.rss_bytes_at_1000ms',
    chosen: {
      label: 't7',
      config: { dirty_decay_ms: 1000, narenas: 2 },
      env: { MALLOC_CONF: 'dirty_decay_ms:1000,narenas:2' },
      metrics: { 'redis.rss_bytes_at_1000ms': { mean: 357.8e6, ci_low: 356e6, ci_high: 359.5e6, n: 8 } },
      effective_options: { dirty_decay_ms: 1000, narenas: 2 },
    },
    baseline: {
      label: 'baseline',
      config: {},
      env: {},
      metrics: { 'redis.rss_bytes_at_1000ms': { mean: 552.4e6, ci_low: 551.5e6, ci_high: 553.3e6, n: 8 } },
    },
    claims: [
      { metric: 'redis.rss_bytes_at_1000ms', direction: 'min', improvement_pct: 35.2, test: 'wilcoxon signed-rank', pairs: 8, wins: 8, p_value: 0.0078, p_adjusted: 0.0234 },
    ],
    duels: [{ challenger: 't7', opponent: 'baseline', pairs: 8, wins: 8, metric: 'redis.rss_bytes_at_1000ms' }],
    preload: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
    generated_at: '2026-11-21T00:00:00.000Z',
    ...overrides,
  });
}

describe('export formats', () => {
  it('malloc_conf puts the bare string on the first line and the evidence after it', () => {
    const { body } = renderExport('malloc_conf', evidence());
    const lines = body.split('\n');
    assert.equal(lines[0], 'dirty_decay_ms:1000,narenas:2');
    assert.ok(lines.slice(1).filter(Boolean).every((l) => l.startsWith('# ')));
    assert.match(body, /Holm-adjusted p=0\.0234/);
    assert.match(body, /won 8\/8/);
  });

  it('systemd drop-in has Environment= lines for MALLOC_CONF and LD_PRELOAD', () => {
    const { body } = renderExport('systemd', evidence());
    assert.match(body, /^\[Service\]$/m);
    assert.match(body, /^Environment=MALLOC_CONF=dirty_decay_ms:1000,narenas:2$/m);
    assert.match(body, /^Environment=LD_PRELOAD=\/usr\/lib\/x86_64-linux-gnu\/libjemalloc\.so\.2$/m);
  });

  it('env, docker and k8s carry the same variables', () => {
    assert.match(renderExport('env', evidence()).body, /^MALLOC_CONF=dirty_decay_ms:1000,narenas:2$/m);
    assert.match(renderExport('docker', evidence()).body, /^ENV MALLOC_CONF=dirty_decay_ms:1000,narenas:2$/m);
    const k8s = renderExport('k8s', evidence()).body;
    assert.match(k8s, /- name: MALLOC_CONF\n {4}value: "dirty_decay_ms:1000,narenas:2"/);
  });

  it('malloc.conf emits the symlink command', () => {
    assert.match(renderExport('malloc.conf', evidence()).body, /^ln -sfn 'dirty_decay_ms:1000,narenas:2' \/etc\/malloc\.conf$/m);
  });

  it('json round-trips through the evidence schema', () => {
    const e = evidence();
    assert.deepEqual(ExportEvidenceSchema.parse(JSON.parse(renderExport('json', e).body)), e);
  });

  it('every format states the verdict, including when nothing beat the baseline', () => {
    const e = evidence({ beats_baseline: false, claims: [], verdict: 'nothing beat the baseline; exporting the baseline' });
    for (const format of EXPORT_FORMATS) {
      assert.match(renderExport(format, e).body, /nothing beat the baseline/, format);
    }
  });

  it('an empty environment gives an empty k8s list, not null', () => {
    const e = evidence();
    const body = renderExport('k8s', { ...e, preload: undefined, chosen: { ...e.chosen, env: {} } } as ExportEvidence).body;
    assert.match(body, /^env: \[\]$/m);
  });
});
