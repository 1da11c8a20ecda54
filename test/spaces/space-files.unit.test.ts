import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { allocatorNames, SPACES_DIR, createEmbedding, defaultConfig, listSpaces, loadSpace, loadSpaceFile } from '../../src/spaces/index.js';

const dir = mkdtempSync(join(tmpdir(), 'alloctune-spaces-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function jemallocJson(): { parameters: Record<string, unknown>[]; [k: string]: unknown } {
  return JSON.parse(readFileSync(join(SPACES_DIR, 'jemalloc.json'), 'utf8')) as { parameters: Record<string, unknown>[] };
}

/** Writes `content` as a space file and asserts the load error names the file, the JSON path and the reason. */
function rejectsFile(content: string, path: string, reason: RegExp): void {
  const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, content);
  assert.throws(() => loadSpaceFile(file), (err: unknown) => {
    assert.ok(isAlloctuneError(err, 'ALLOCTUNE_ERR_SPACE_FILE'), String(err));
    assert.equal(err.params['file'], file);
    assert.equal(err.params['path'], path);
    assert.match(String(err.params['reason']), reason);
    assert.ok(err.message.includes(file) && err.message.includes(path));
    return true;
  });
}

describe('shipped space files', () => {
  it('every allocator has a valid space', () => {
    assert.deepEqual(listSpaces().spaces.map((s) => s.allocator).sort(), allocatorNames().sort());
    for (const a of allocatorNames()) {
      const space = loadSpace(a);
      assert.ok(space.parameters.length > 0);
      assert.ok(createEmbedding(space).dimension > 0);
    }
  });

  it('keeps debug and diagnostic knobs out', () => {
    const debug = ['abort', 'abort_conf', 'confirm_conf', 'stats_print', 'junk', 'zero', 'prof', 'MIMALLOC_SHOW_ERRORS', 'MIMALLOC_VERBOSE', 'MIMALLOC_SHOW_STATS', 'MIMALLOC_DESTROY_ON_EXIT', 'glibc.malloc.perturb', 'glibc.malloc.check', 'TCMALLOC_SAMPLE_PARAMETER', 'HAKMEM_DEBUG_LEVEL'];
    for (const a of allocatorNames()) {
      const space = loadSpace(a);
      for (const p of [...space.parameters, ...space.extras]) assert.ok(!debug.includes(p.name), `${a} has debug knob ${p.name}`);
    }
  });

  it('records the traps the reference documents', () => {
    const jemalloc = loadSpace('jemalloc');
    assert.ok(jemalloc.parameters.find((p) => p.name === 'background_thread')?.notes.some((n) => n.includes('Redis')));
    assert.equal(defaultConfig(jemalloc)['muzzy_decay_ms'], 0);
    assert.equal(defaultConfig(jemalloc)['narenas'], 'default');
    assert.ok(loadSpace('mimalloc').notes.some((n) => n.includes('256')));
    assert.ok(loadSpace('glibc').notes.some((n) => n.includes('silently ignores')));
    assert.ok(loadSpace('tcmalloc').notes.some((n) => n.includes('garbage')));
  });
});

describe('malformed space files', () => {
  it('not JSON', () => rejectsFile('{ "allocator": ', '$', /not JSON/));

  it('a bad field deep inside', () => {
    const data = jemallocJson();
    (data.parameters[1] as Record<string, unknown>)['min'] = 'zero';
    rejectsFile(JSON.stringify(data), '$.parameters[1].min', /number/);
  });

  it('a default outside the range names the parameter', () => {
    const data = jemallocJson();
    (data.parameters[1] as Record<string, unknown>)['default'] = 99999999;
    rejectsFile(JSON.stringify(data), '$.parameters[1].default', /out of range.*dirty_decay_ms/);
  });

  it('a condition on a later or unknown parameter', () => {
    const data = jemallocJson();
    (data.parameters[0] as Record<string, unknown>)['when'] = { tcache: [true] };
    rejectsFile(JSON.stringify(data), '$.parameters[0].when.tcache', /declared before/);
  });

  it('a key jemalloc cannot read', () => {
    const data = jemallocJson();
    (data.parameters[2] as Record<string, unknown>)['name'] = 'Muzzy-Decay';
    rejectsFile(JSON.stringify(data), '$.parameters[2].name', /a-z, 0-9/);
  });

  it('an unknown field (typo) is rejected rather than ignored', () => {
    const data = jemallocJson();
    (data.parameters[3] as Record<string, unknown>)['defualt'] = true;
    rejectsFile(JSON.stringify(data), '$.parameters[3]', /defualt/);
  });

  it('a duplicate name', () => {
    const data = jemallocJson();
    data.parameters.push({ ...data.parameters[0] });
    rejectsFile(JSON.stringify(data), `$.parameters[${data.parameters.length - 1}].name`, /duplicate/);
  });
});
