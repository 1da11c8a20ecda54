import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { debianLibraryPath } from '../../src/spaces/index.js';

const file = `${REPO_ROOT}/experiments/hakmem/campaign.json`;
const spec = (): unknown => JSON.parse(readFileSync(file, 'utf8'));

test('the hakmem campaign is accepted when a shared object is given as library_path', () => {
  // No libhakmem.so exists here: Debian's libjemalloc.so.2 stands in as "an ELF shared object".
  const parsed = CampaignSpecSchema.parse({ ...(spec() as object), library_path: debianLibraryPath('jemalloc') });
  const prepared = prepareCampaign(parsed);
  const names = prepared.space.parameters.map((p) => p.name);
  assert.ok(names.includes('HAKMEM_WARM_POOL_SIZE'));
  assert.ok(names.includes('HAKMEM_POOL_REFILL_BATCH'));
  for (let c = 0; c <= 7; c++) assert.ok(names.includes(`HAKMEM_TINY_UNIFIED_C${c}`), `cache class C${c} searched`);
  assert.ok(!names.includes('HAKMEM_SS_MEM_LEAN'), 'memory-lean knobs are not part of this pool/cache campaign');
  assert.equal(prepared.baselineConfig['HAKMEM_WARM_POOL_SIZE'], 12);
});

test('the hakmem campaign is rejected with a clear message when no library is given', () => {
  const parsed = CampaignSpecSchema.parse(spec());
  assert.throws(
    () => prepareCampaign(parsed),
    (err: unknown) => err instanceof AlloctuneError && err.code === 'ALLOCTUNE_ERR_INVALID_INPUT' && /library_path.*libhakmem\.so|libhakmem\.so.*HAKMEM_LIB/.test(err.message),
  );
});

test('workers that announce HAKMEM_LIB make the library path optional', () => {
  const prepared = prepareCampaign(CampaignSpecSchema.parse(spec()), { hakmemAvailableOnWorkers: true });
  assert.equal(prepared.spec.allocator, 'hakmem');
});

test('a library path that is not a shared object is refused', () => {
  const parsed = CampaignSpecSchema.parse({ ...(spec() as object), library_path: file });
  assert.throws(() => prepareCampaign(parsed), (err: unknown) => err instanceof AlloctuneError && err.message.includes('library_path'));
});
