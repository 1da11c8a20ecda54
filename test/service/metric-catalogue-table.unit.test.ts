import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { MetricsCatalogueResponseSchema, metricsCatalogueRoutes } from '../../src/api/routes/metrics-catalogue-routes.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { catalogueEntry, documentedMetric, metricProblem, metricUnit, METRIC_CATALOGUE, workloadReports } from '../../src/service/metric-catalogue.js';
import { metricCatalogueMarkdown } from '../../src/service/metric-catalogue-table.js';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';

describe('metric catalogue table and look-ups', () => {
  it("README.md's table is the catalogue's (regenerate: alloctune metrics --markdown)", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const table = /<!-- metrics-catalogue:start -->\n([\s\S]*?)\n<!-- metrics-catalogue:end -->/.exec(readme)?.[1];
    assert.ok(table !== undefined, 'README.md has the metrics-catalogue markers');
    assert.equal(table, metricCatalogueMarkdown());
    assert.equal(table.split('\n').length, METRIC_CATALOGUE.length + 2);
  });

  it('GET /v1/metrics-catalogue serves the catalogue, in its documented response schema', async (t) => {
    const app = await buildApp({ token: 'unit', routes: [metricsCatalogueRoutes()] });
    t.after(() => app.close());
    const res = await app.inject({ url: '/v1/metrics-catalogue' });
    assert.equal(res.statusCode, 200);
    const body = MetricsCatalogueResponseSchema.parse(res.json());
    // The served entries are the catalogue's documented fields (the condition's check is code, not data).
    assert.deepEqual(body.metrics, METRIC_CATALOGUE.map(documentedMetric));
    assert.ok(body.metrics.every((m) => !('missingWith' in m)));
    assert.ok(body.metrics.some((m) => m.kind === 'redis' && m.name === 'rss_bytes_at_<N>ms' && m.unit === 'bytes' && m.better === 'lower'));
  });

  it('resolves families and exact names, and a command only adds names of the configured shape', () => {
    assert.equal(catalogueEntry('redis', 'rss_bytes_at_1000ms')?.name, 'rss_bytes_at_<N>ms');
    assert.equal(catalogueEntry('harness', 'fragmentation_ratio_at_300ms')?.name, 'fragmentation_ratio_at_<N>ms');
    assert.equal(catalogueEntry('harness', 'fragmentation_ratio')?.name, 'fragmentation_ratio');
    assert.equal(catalogueEntry('command', 'wall_ms')?.name, 'wall_ms');
    assert.equal(catalogueEntry('command', 'requests_per_s')?.name, '<name>');
    assert.equal(workloadReports('command', 'Bad-Name'), false);
    assert.equal(workloadReports('redis', 'get_ops_per_s'), true);
    assert.equal(workloadReports('redis', 'rss_bytes_at_ms'), false);
    assert.equal(workloadReports('harness', 'p99_us'), false);
  });

  it('metricProblem keeps its answers (used by campaign validation)', () => {
    const workloads = [WorkloadSpecSchema.parse({ kind: 'redis' }), WorkloadSpecSchema.parse({ kind: 'harness', workload: 'fragmentation' })];
    assert.equal(metricProblem('redis.p99_us', workloads), undefined);
    assert.equal(metricProblem('p99_us', workloads), undefined);
    assert.match(metricProblem('rss_bytes_at_1000ms', workloads) ?? '', /reported by redis and harness:fragmentation; write it as <label>/);
    assert.match(metricProblem('harness:fragmentation.p99_us', workloads) ?? '', /does not report 'p99_us'/);
    assert.match(metricProblem('nope.p99_us', workloads) ?? '', /no workload labelled 'nope'/);
  });

  it('gives units by name, key or suffix', () => {
    assert.equal(metricUnit('redis.p99_us'), 'us');
    assert.equal(metricUnit('harness:fragmentation.rss_bytes_at_1000ms'), 'bytes');
    assert.equal(metricUnit('malloc_p99_ns'), 'ns');
    assert.equal(metricUnit('get_ops_per_s'), 'ops/s');
    assert.equal(metricUnit('command:build.requests_per_s'), 'ops/s');
    assert.equal(metricUnit('command:build.score'), undefined);
  });
});
