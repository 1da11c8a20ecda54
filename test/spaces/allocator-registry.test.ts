import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { allocatorNames, encodeEnv, listSpaces, loadRegistry, loadSpace, resolvePreloadLibrary } from '../../src/spaces/index.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { FIXTURE_SPACES_DIR, LEAN_KNOBS, userSpacesDir } from '../helpers/user-spaces.js';

const dir = userSpacesDir();
const env = { ...process.env, ALLOCTUNE_SPACES_DIR: `${FIXTURE_SPACES_DIR}:${dir}` };
after(() => rmSync(dir, { recursive: true, force: true }));

/** `alloctune space ...` from the source tree; no shell. */
function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'space', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('allocator registry: definitions from extra directories', () => {
  it('loads user definitions next to the shipped ones and skips a broken file with file, JSON path and reason', () => {
    const registry = loadRegistry(env);
    assert.deepEqual([...registry.definitions.keys()].sort(), ['glibc', 'hakmem', 'hakmem-standin', 'jemalloc', 'jemalloc-lean', 'mimalloc', 'tcmalloc']);
    assert.equal(registry.problems.length, 1, JSON.stringify(registry.problems));
    const problem = registry.problems[0];
    assert.equal(problem?.file, join(dir, 'broken.json'));
    assert.equal(problem?.path, '$.parameters[0].min');
    assert.match(problem?.reason ?? '', /min 10 is above max 1 \(parameter 'BROKEN_SIZE'\)/);
  });

  it('a trimmed jemalloc under a new name encodes MALLOC_CONF and preloads the Debian jemalloc', () => {
    process.env['ALLOCTUNE_SPACES_DIR'] = env.ALLOCTUNE_SPACES_DIR;
    try {
      const lean = loadSpace('jemalloc-lean');
      assert.deepEqual(lean.parameters.map((p) => p.name).sort(), [...LEAN_KNOBS].sort());
      assert.deepEqual(encodeEnv(lean, { dirty_decay_ms: 500, muzzy_decay_ms: 0, narenas: 2 }), { MALLOC_CONF: 'dirty_decay_ms:500,muzzy_decay_ms:0,narenas:2' });
      assert.match(resolvePreloadLibrary(lean) ?? '', /libjemalloc\.so\.2$/);
      // The campaign API's setup accepts the new name and MALLOC_CONF settings for it (its encoding, not its name, decides).
      const prepared = prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ allocator: 'jemalloc-lean', baseline: { malloc_conf: 'dirty_decay_ms:2000' } })));
      assert.equal(prepared.baselineConfig['dirty_decay_ms'], 2000);
    } finally {
      delete process.env['ALLOCTUNE_SPACES_DIR'];
    }
    assert.ok(!allocatorNames().includes('jemalloc-lean'), 'gone with the variable');
  });

  it('an unknown allocator is refused at campaign setup naming the field and the known ones', () => {
    assert.throws(
      () => prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ allocator: 'nosuch' }))),
      (err: unknown) => isAlloctuneError(err, 'ALLOCTUNE_ERR_INVALID_INPUT') && /invalid allocator: .*'nosuch'.*known: glibc, hakmem, jemalloc, mimalloc, tcmalloc/.test(err.message),
    );
  });

  it('a definition that says another name than its file, or repeats one, is skipped with the reason', () => {
    const extra = userSpacesDir();
    try {
      writeFileSync(join(extra, 'renamed.json'), JSON.stringify({ ...loadSpace('glibc'), file: undefined, allocator: 'glibc' }));
      writeFileSync(join(extra, 'jemalloc.json'), JSON.stringify({ ...loadSpace('glibc'), file: undefined, allocator: 'jemalloc' }));
      const registry = loadRegistry({ ALLOCTUNE_SPACES_DIR: extra });
      const reasons = registry.problems.map((p) => `${p.file.slice(extra.length + 1)} ${p.path} ${p.reason}`);
      assert.ok(reasons.some((r) => /^renamed\.json \$\.allocator says 'glibc', but the file is named renamed\.json/.test(r)), reasons.join('\n'));
      assert.ok(reasons.some((r) => /^jemalloc\.json \$\.allocator 'jemalloc' is already defined by .*search-spaces\/jemalloc\.json/.test(r)), reasons.join('\n'));
      assert.equal(registry.definitions.get('jemalloc')?.encoding.format, 'malloc-conf', 'the shipped definition stays');
    } finally {
      rmSync(extra, { recursive: true, force: true });
    }
  });

  it('`space list` still lists every good definition with a broken one present, and names the broken file on stderr', () => {
    const r = cli(['list', '--spaces', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^jemalloc-lean +3 parameters/m);
    assert.match(r.stdout, /^jemalloc +\d+ parameters/m);
    assert.match(r.stderr, /skipped .*broken\.json: \$\.parameters\[0\]\.min: min 10 is above max 1/);
    const json = cli(['list', '--json'], { ALLOCTUNE_SPACES_DIR: `${FIXTURE_SPACES_DIR}:${dir}` });
    assert.equal(json.status, 0, json.stderr);
    const spaces = JSON.parse(json.stdout) as ReturnType<typeof listSpaces>['spaces'];
    assert.deepEqual(spaces.map((s) => s.allocator), ['glibc', 'hakmem', 'hakmem-standin', 'jemalloc', 'jemalloc-lean', 'mimalloc', 'tcmalloc']);
    assert.match(json.stderr, /skipped .*broken\.json: \$\.parameters\[0\]\.min/);
    const show = cli(['show', 'hakmem-standin', '--spaces', FIXTURE_SPACES_DIR]);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /HAKMEM_REFILL_BLOCKS/);
    const unknown = cli(['show', 'hakmem-standin']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /'hakmem-standin' is not an allocator: one of glibc, hakmem, jemalloc, mimalloc, tcmalloc/);
  });
});
