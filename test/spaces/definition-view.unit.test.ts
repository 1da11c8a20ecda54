import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { definitionSha256 } from '../../src/core/definition-snapshot.js';
import { InputProblemsError } from '../../src/core/input-problems-error.js';
import { SpaceFileSchema, type SearchSpace, type SpaceFile } from '../../src/core/search-space.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { definitionContent, definitionViewOf, envVariableProblem, loadRegistry, postedSnapshot, registrySnapshot } from '../../src/spaces/index.js';
import { jobDefinition } from '../../workers/job-definition.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const registry = loadRegistry().definitions;
const shipped = (name: string): SearchSpace => {
  const d = registry.get(name);
  assert.ok(d, name);
  return d;
};

/** The shipped jemalloc definition under a new name, trimmed to two knobs with a narrower range: a user's own view. */
function trimmedJemalloc(): SpaceFile {
  const jemalloc = definitionContent(shipped('jemalloc'));
  const keep = jemalloc.parameters.filter((p) => p.name === 'dirty_decay_ms' || p.name === 'narenas');
  return SpaceFileSchema.parse({ ...jemalloc, allocator: 'jemalloc-trim', parameters: keep, extras: [] });
}

describe('a posted definition must be a view over a registered one', () => {
  it('every loaded definition is a view over itself: a worker runs the snapshot of its own file', () => {
    for (const [name, space] of registry) {
      const outcome = definitionViewOf(definitionContent(space), registry);
      assert.deepEqual(outcome.problems, [], name);
      assert.equal(outcome.base?.allocator, name);
    }
  });

  it('a trimmed jemalloc under a new name is a view over jemalloc', () => {
    const outcome = definitionViewOf(trimmedJemalloc(), registry);
    assert.deepEqual(outcome.problems, []);
    assert.equal(outcome.base?.allocator, 'jemalloc');
    const snapshot = postedSnapshot(trimmedJemalloc());
    assert.equal(snapshot.base, 'jemalloc');
    assert.equal(snapshot.sha256, definitionSha256(trimmedJemalloc()));
  });

  it('names every hostile field: a library, a path variable, a read-back symbol, new knobs, loader variables, complaint patterns', () => {
    const standIn = definitionContent(shipped('mimalloc'));
    const hostile = SpaceFileSchema.parse({
      ...standIn,
      allocator: 'mimalloc',
      load: { library_files: ['libevil.so'], path_variable: 'EVIL_LIB' },
      readback: { kind: 'function', symbol: 'system' },
      complaints: [{ pattern: '^(a+)+$' }],
      parameters: [
        ...standIn.parameters.slice(0, 1),
        { name: 'MIMALLOC_NOT_A_KNOB', kind: 'boolean', default: false, description: 'made up' },
      ],
    });
    const paths = definitionViewOf(hostile, registry).problems.map((p) => p.path);
    assert.deepEqual(paths.sort(), ['complaints.0', 'load', 'parameters.1.name', 'readback']);

    const loader = SpaceFileSchema.parse({
      allocator: 'sneaky',
      library: 'x',
      encoding: { format: 'env', key_prefix: '', true_token: '1', false_token: '0' },
      load: { preload: false },
      identity: { symbols: ['x'] },
      parameters: [{ name: 'LD_PRELOAD', kind: 'categorical', choices: ['x'], default: 'x', description: 'loads code' }],
    });
    const problems = definitionViewOf(loader, registry).problems;
    // { preload: false } is glibc's load section: judged against glibc, LD_PRELOAD is no knob of it.
    assert.deepEqual(problems.map((p) => p.path).sort(), ['encoding', 'identity', 'parameters.0.name'], JSON.stringify(problems));
    assert.throws(() => postedSnapshot(loader), (err: unknown) => err instanceof InputProblemsError && err.problems.every((p) => p.path.startsWith('definition.')));
  });

  it('free text must be printable and bounded: it is shown in the UI and quoted in exports', () => {
    const trim = trimmedJemalloc();
    const [first, ...rest] = trim.parameters;
    assert.ok(first);
    const noisy = SpaceFileSchema.parse({ ...trim, notes: ['fine', 'bad\u202Eline'], parameters: [{ ...first, description: 'x'.repeat(2001) }, ...rest] });
    assert.deepEqual(definitionViewOf(noisy, registry).problems.map((p) => p.path).sort(), ['notes.1', 'parameters.0.description']);
  });

  it('the variable allow pattern refuses loader, locale and shell variables and other prefixes', () => {
    const env = { encoding: { format: 'env' as const, key_prefix: '', true_token: '1', false_token: '0' } };
    for (const name of ['LD_PRELOAD', 'LD_AUDIT', 'GLIBC_TUNABLES', 'GCONV_PATH', 'PATH', 'MALLOC_CONF', 'ld_preload']) assert.ok(envVariableProblem(name, env) !== undefined, name);
    assert.equal(envVariableProblem('MIMALLOC_ARENA_EAGER_COMMIT', env), undefined);
    assert.match(envVariableProblem('TCMALLOC_X', shipped('mimalloc')) ?? '', /does not start with MIMALLOC_/);
  });
});

describe('campaign setup snapshots the definition', () => {
  it('a named allocator is snapshotted with its file and hash; a posted one under its own name with its base', () => {
    const named = prepareCampaign(CampaignSpecSchema.parse(smallCampaign()));
    assert.equal(named.definition.source, 'registry');
    assert.equal(named.definition.file, shipped('jemalloc').file);
    assert.equal(named.definition.sha256, registrySnapshot('jemalloc').sha256);

    const posted = prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ allocator: 'jemalloc-trim', definition: trimmedJemalloc(), constraints: [] })));
    assert.equal(posted.definition.source, 'posted');
    assert.equal(posted.definition.base, 'jemalloc');
    assert.deepEqual(posted.space.parameters.map((p) => p.name).sort(), ['dirty_decay_ms', 'narenas']);
    assert.deepEqual(Object.keys(posted.baselineConfig).sort(), ['dirty_decay_ms', 'narenas']);
  });

  it('a posted definition whose name is not the campaign allocator is a 400 at definition.allocator', () => {
    assert.throws(
      () => prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ allocator: 'jemalloc', definition: trimmedJemalloc() }))),
      (err: unknown) => err instanceof InputProblemsError && err.problems.some((p) => p.path === 'definition.allocator'),
    );
  });
});

describe('a worker runs a job definition only as a view over its own', () => {
  const copyOf = (content: SpaceFile) => ({ sha256: definitionSha256(content), content });

  it('runs the snapshot (its knobs, the base library) and refuses a tampered hash naming both', () => {
    const trim = trimmedJemalloc();
    const accepted = jobDefinition({ allocator: 'jemalloc-trim', definition: copyOf(trim) }, registry);
    assert.equal(accepted.base, 'jemalloc');
    assert.deepEqual(accepted.definition.parameters.map((p) => p.name).sort(), ['dirty_decay_ms', 'narenas']);
    const forged = { sha256: 'a'.repeat(64), content: trim };
    assert.throws(() => jobDefinition({ allocator: 'jemalloc-trim', definition: forged }, registry), new RegExp(`sha256 ${'a'.repeat(64)}, but its definition hashes to ${definitionSha256(trim)}`));
  });

  it('a worker whose own file differs in a fact of the library refuses, naming the job hash and its own', () => {
    const jemalloc = definitionContent(shipped('jemalloc'));
    // The service's jemalloc file (say, a newer one) reads back nothing: fine. One with another library: refused.
    const other = SpaceFileSchema.parse({ ...jemalloc, load: { ...jemalloc.load, library_files: ['libjemalloc.so.3'] } });
    const ownHash = definitionSha256(jemalloc);
    assert.throws(
      () => jobDefinition({ allocator: 'jemalloc', definition: copyOf(other) }, registry),
      (err: unknown) => err instanceof Error && err.message.includes(definitionSha256(other)) && err.message.includes(ownHash) && /load: must be the load section/.test(err.message),
    );
  });
});
