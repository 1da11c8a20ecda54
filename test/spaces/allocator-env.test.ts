import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocatorNames, allocatorEnvProblems, defaultConfig, encodeEnv, loadSpace, sampleConfig } from '../../src/spaces/index.js';
import { SeededRng } from '../../src/core/seeded-rng.js';

// Loader, libc and process variables that change what a target loads or where it reads files.
const LOADER_AND_PROCESS = ['LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH', 'LD_BIND_NOW', 'LD_DEBUG_OUTPUT', 'GCONV_PATH', 'PATH', 'HOSTALIASES',
  'LOCPATH', 'MALLOC_CHECK_', 'MALLOC_TRACE', 'NLSPATH', 'RES_OPTIONS', 'TMPDIR', 'TZDIR', 'LANG', 'HOME', 'IFS'];

describe('a job environment holds only its allocator own variables', () => {
  it('whatever the encoder writes for sampled configs is accepted, for every allocator (extras added)', () => {
    for (const allocator of allocatorNames()) {
      const file = loadSpace(allocator);
      const space = loadSpace(allocator, { add: file.extras.map((p) => p.name) });
      const rng = new SeededRng(7);
      const configs = [defaultConfig(space), ...Array.from({ length: 30 }, () => sampleConfig(space, rng))];
      for (const config of configs) {
        const env = encodeEnv(space, config, { abortOnInvalidConf: true });
        assert.deepEqual(allocatorEnvProblems(file, env), [], `${allocator}: ${JSON.stringify(env)}`);
      }
    }
  });

  it('loader and process variables are refused for every allocator, named', () => {
    for (const allocator of allocatorNames()) {
      const space = loadSpace(allocator);
      for (const name of LOADER_AND_PROCESS) {
        const problems = allocatorEnvProblems(space, { [name]: '/tmp/x' });
        assert.deepEqual(problems.map((p) => p.name), [name], `${allocator} ${name}`);
        assert.match(problems[0]?.reason ?? '', new RegExp(`^${name} is not a variable of ${allocator}`));
      }
    }
  });

  it('another allocator variables, and undocumented names in its namespace, are refused', () => {
    assert.equal(allocatorEnvProblems(loadSpace('mimalloc'), { MALLOC_CONF: 'narenas:1' })[0]?.name, 'MALLOC_CONF');
    assert.equal(allocatorEnvProblems(loadSpace('jemalloc'), { MIMALLOC_VERBOSE: '1' })[0]?.name, 'MIMALLOC_VERBOSE');
    assert.equal(allocatorEnvProblems(loadSpace('hakmem'), { HAKMEM_LIB: '/tmp/evil.so' })[0]?.name, 'HAKMEM_LIB');
    assert.equal(allocatorEnvProblems(loadSpace('tcmalloc'), { TCMALLOC_NO_SUCH: '1' })[0]?.name, 'TCMALLOC_NO_SUCH');
  });

  it('inside MALLOC_CONF and GLIBC_TUNABLES only documented knobs; a bad value is left for the allocator', () => {
    const jemalloc = loadSpace('jemalloc');
    assert.match(allocatorEnvProblems(jemalloc, { MALLOC_CONF: 'narenas:2,prof:true,prof_prefix:/tmp/p' })[0]?.reason ?? '', /sets prof, prof_prefix,/);
    assert.deepEqual(allocatorEnvProblems(jemalloc, { MALLOC_CONF: 'narenas:abc,retain:false' }), []);
    const glibc = loadSpace('glibc');
    assert.match(allocatorEnvProblems(glibc, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1:glibc.rtld.nns=8' })[0]?.reason ?? '', /glibc\.rtld\.nns/);
    assert.deepEqual(allocatorEnvProblems(glibc, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=x' }), []);
  });
});
