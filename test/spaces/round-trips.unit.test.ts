import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Config, ConfigValue } from '../../src/core/config.js';
import { snapFloat, type SearchSpace } from '../../src/core/search-space.js';
import { EnvMapSchema } from '../../src/core/safe-text.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import {
  allocatorNames,
  createEmbedding,
  defaultConfig,
  encodeEnv,
  isParameterActive,
  loadSpace,
  parseConfigText,
  sampleConfig,
  validateConfig,
  type AllocatorName,
} from '../../src/spaces/index.js';

/** The text a user would paste for this allocator: the one variable, or NAME=value pairs. */
function asText(allocator: AllocatorName, env: Record<string, string>): string {
  if (allocator === 'jemalloc') return env['MALLOC_CONF'] ?? '';
  if (allocator === 'glibc') return env['GLIBC_TUNABLES'] ?? '';
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n');
}

/** Config without the "leave unset" choices, which no encoding carries. */
function withoutOmitted(allocator: AllocatorName, config: Config): Config {
  const space = loadSpace(allocator);
  return Object.fromEntries(
    Object.entries(config).filter(([k, v]) => {
      const p = space.parameters.find((q) => q.name === k);
      return !(p?.kind === 'categorical' && p.omit === v);
    }),
  );
}

/** Any valid config of the space: every parameter drawn from its whole domain, inactive ones removed. */
function configArb(space: SearchSpace): fc.Arbitrary<Config> {
  const domains = space.parameters.map((p): fc.Arbitrary<ConfigValue> => {
    if (p.fixed !== undefined) return fc.constant(p.fixed);
    switch (p.kind) {
      case 'integer':
        return fc.integer({ min: p.min, max: p.max });
      case 'float':
        return fc.integer({ min: 0, max: Math.round((p.max - p.min) / p.step) }).map((n) => snapFloat(p, p.min + n * p.step));
      case 'categorical':
        return fc.constantFrom(...p.choices);
      case 'boolean':
        return fc.boolean();
    }
  });
  return fc.tuple(...domains).map((values) => {
    const config: Config = {};
    space.parameters.forEach((p, i) => {
      if (isParameterActive(p, config)) config[p.name] = values[i] as ConfigValue;
    });
    return config;
  });
}

for (const allocator of allocatorNames()) {
  describe(`${allocator} space`, () => {
    const space = loadSpace(allocator);
    const embedding = createEmbedding(space);
    const vectorArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: embedding.dimension, maxLength: embedding.dimension });

    it('default config is valid and embeds at its own snap point', () => {
      const d = defaultConfig(space);
      assert.deepEqual(validateConfig(space, d), d);
      const v = embedding.toVector(d);
      assert.deepEqual(embedding.fromVector(v), d);
      assert.deepEqual(embedding.snap(v), v);
    });

    it('embed/unembed: every decoded config is valid, re-encodes exactly, and snap is idempotent', () => {
      fc.assert(
        fc.property(vectorArb, (raw) => {
          const config = embedding.fromVector(raw);
          assert.deepEqual(validateConfig(space, config), config);
          const v = embedding.toVector(config);
          assert.equal(v.length, embedding.dimension);
          for (const x of v) assert.ok(x >= 0 && x <= 1, `coordinate ${x} outside [0,1]`);
          assert.deepEqual(embedding.fromVector(v), config);
          assert.deepEqual(embedding.snap(embedding.snap(raw)), embedding.snap(raw));
        }),
        { numRuns: 300 },
      );
    });

    it('encode/parse: parsing the encoded text gives back the config (minus unset choices)', () => {
      fc.assert(
        fc.property(vectorArb, (raw) => {
          const config = embedding.fromVector(raw);
          const env = encodeEnv(space, config);
          // The trial job carries this map; its schema must accept every encoding.
          assert.ok(EnvMapSchema.safeParse(env).success, JSON.stringify(env));
          const parsed = parseConfigText(space, asText(allocator, env));
          assert.deepEqual(parsed, withoutOmitted(allocator, config));
          assert.deepEqual(encodeEnv(space, parsed), env);
        }),
        { numRuns: 300 },
      );
    });

    it('every valid config (drawn from the domains, not the embedding) round-trips through vector and text', () => {
      fc.assert(
        fc.property(configArb(space), (config) => {
          assert.deepEqual(validateConfig(space, config), config);
          assert.deepEqual(embedding.fromVector(embedding.toVector(config)), config);
          assert.deepEqual(parseConfigText(space, asText(allocator, encodeEnv(space, config))), withoutOmitted(allocator, config));
        }),
        { numRuns: 300 },
      );
    });

    it('sampleConfig is reproducible from the seed', () => {
      const a = Array.from({ length: 5 }, (_, i) => sampleConfig(space, new SeededRng(100 + i)));
      const b = Array.from({ length: 5 }, (_, i) => sampleConfig(space, new SeededRng(100 + i)));
      assert.deepEqual(a, b);
      for (const c of a) assert.deepEqual(validateConfig(space, c), c);
    });
  });
}
