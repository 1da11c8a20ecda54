import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';

const file = `${REPO_ROOT}/experiments/hakmem/campaign.json`;
const spec = (): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** A live worker that advertises `allocators` (only what it found a library for). */
const worker = (allocators: WorkerInfo['allocators']): WorkerInfo => ({
  name: 'w', host: 'h', kernel: 'k', cpus: '1', client_cpus: '0', labels: {}, pid: 1, concurrency: 1, queues: [], allocators, started_at: '', last_seen_ms: 0, active_trials: [],
});

test('the hakmem campaign is accepted when a live worker has libhakmem.so configured', () => {
  const prepared = prepareCampaign(CampaignSpecSchema.parse(spec()), { workers: [worker([{ name: 'hakmem', path: '/opt/hakmem/libhakmem.so', version: null }])] });
  assert.equal(prepared.spec.allocator, 'hakmem');
  const names = prepared.space.parameters.map((p) => p.name);
  assert.ok(names.includes('HAKMEM_WARM_POOL_SIZE'));
  assert.ok(names.includes('HAKMEM_POOL_REFILL_BATCH'));
  for (let c = 0; c <= 7; c++) assert.ok(names.includes(`HAKMEM_TINY_UNIFIED_C${c}`), `cache class C${c} searched`);
  assert.ok(!names.includes('HAKMEM_SS_MEM_LEAN'), 'memory-lean knobs are not part of this pool/cache campaign');
  assert.equal(prepared.baselineConfig['HAKMEM_WARM_POOL_SIZE'], 12);
});

test('the hakmem campaign is rejected with a clear message when no worker has the library', () => {
  const parsed = CampaignSpecSchema.parse(spec());
  assert.throws(
    () => prepareCampaign(parsed),
    (err: unknown) => err instanceof AlloctuneError && err.code === 'ALLOCTUNE_ERR_INVALID_INPUT' && /invalid allocator: .*libhakmem\.so.*libraries.hakmem or library_dir/.test(err.message),
  );
  assert.throws(
    () => prepareCampaign(parsed, { workers: [worker([{ name: 'jemalloc', path: '/x/libjemalloc.so.2', version: '5.3.0' }])] }),
    (err: unknown) => err instanceof AlloctuneError && /invalid allocator: no live worker can load hakmem/.test(err.message),
    'a live worker without the library does not help',
  );
});

test('a campaign never names a library file: library_path is an unknown field', () => {
  const parsed = CampaignSpecSchema.safeParse({ ...(spec() as object), library_path: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2' });
  assert.equal(parsed.success, false);
  assert.ok(parsed.error?.issues.some((i) => i.code === 'unrecognized_keys' && i.keys.includes('library_path')), JSON.stringify(parsed.error?.issues));
});
