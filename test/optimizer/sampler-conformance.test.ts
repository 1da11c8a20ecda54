import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Observation } from '../../src/core/optimizer-observation.js';
import { createSampler, restoreSampler } from '../../src/optimizer/create-sampler.js';
import type { SamplerDomain, SamplerKind } from '../../src/optimizer/sampler.js';

// Coordinate 0 is a 3-way categorical (bins at 1/6, 1/2, 5/6) the way the space embedding encodes it.
const snap = (v: number[]): number[] => [(Math.min(2, Math.floor((v[0] as number) * 3)) + 0.5) / 3, ...v.slice(1)];
const domain: SamplerDomain = {
  dimension: 3,
  snap,
  objective: { metric: 'rss_bytes', direction: 'min' },
  constraints: [{ metric: 'p99_us', max: 1.0 }],
};

function evaluate(v: number[]): Observation {
  const [c = 0, a = 0, b = 0] = v;
  const rss = (a - 0.7) ** 2 + (b - 0.2) ** 2 + (c > 0.6 ? 0.3 : 0);
  return {
    vector: v,
    objective: { mean: rss, variance: 1e-4, n: 3 },
    constraints: { p99_us: { mean: 0.5 + a, variance: 1e-3, n: 3 } },
  };
}

async function run(kind: SamplerKind, seed: number, rounds: number, batch: number): Promise<number[][]> {
  const sampler = await createSampler(kind, domain, seed);
  const all: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const { vectors } = await sampler.suggest(batch);
    all.push(...vectors);
    sampler.observe(vectors.map(evaluate));
  }
  return all;
}

const KINDS: SamplerKind[] = ['random', 'gp', 'ensemble'];

for (const kind of KINDS) {
  describe(`sampler conformance: ${kind}`, () => {
    test('proposals are snapped, in the cube, of the right dimension and distinct', async () => {
      const points = await run(kind, 1, 5, 3);
      assert.equal(points.length, 15);
      const keys = new Set(points.map((p) => p.join(',')));
      assert.equal(keys.size, points.length, 'no repeats across batches');
      for (const p of points) {
        assert.equal(p.length, 3);
        assert.ok(p.every((x) => x >= 0 && x <= 1));
        assert.deepEqual(snap(p), p, 'already snapped');
      }
    });

    test('same seed and observations give the same proposals; another seed differs', async () => {
      const a = await run(kind, 7, 4, 2);
      const b = await run(kind, 7, 4, 2);
      const c = await run(kind, 8, 4, 2);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    });

    test('does not propose pending points', async () => {
      const sampler = await createSampler(kind, domain, 3);
      const first = await sampler.suggest(6);
      sampler.observe(first.vectors.map(evaluate));
      const pending = (await sampler.suggest(2)).vectors;
      const next = await sampler.suggest(2, { pending });
      for (const p of next.vectors) assert.ok(!pending.some((q) => q.join(',') === p.join(',')));
    });

    test('state round-trips through JSON and resumes the same stream', async () => {
      const sampler = await createSampler(kind, domain, 11);
      for (let r = 0; r < 3; r++) sampler.observe((await sampler.suggest(3)).vectors.map(evaluate));
      const state = JSON.parse(JSON.stringify(sampler.toJSON()));
      const restored = await restoreSampler(domain, state);
      assert.equal(restored.kind, kind);
      assert.deepEqual((await restored.suggest(2)).vectors, (await sampler.suggest(2)).vectors);
    });

    test('reseed changes the stream, and bad observations are rejected', async () => {
      const sampler = await createSampler(kind, domain, 5);
      const before = (await sampler.suggest(3)).vectors;
      sampler.reseed(6);
      const after = (await sampler.suggest(3)).vectors;
      assert.notDeepEqual(before, after);
      assert.throws(() => sampler.observe([{ vector: [0.5, 0.5], constraints: {} }]), RangeError);
      assert.throws(() => sampler.observe([{ vector: [0.5, 2, 0.5], constraints: {} }]));
    });

    test('a failed trial (no objective) is accepted', async () => {
      const sampler = await createSampler(kind, domain, 2);
      const { vectors } = await sampler.suggest(8);
      sampler.observe(vectors.map((v, i) => (i === 0 ? { vector: v, constraints: {}, feasible: false } : evaluate(v))));
      const next = await sampler.suggest(1);
      assert.equal(next.vectors.length, 1);
    });
  });
}

describe('model-based samplers learn', () => {
  for (const kind of ['gp', 'ensemble'] as const) {
    test(`${kind}: after 24 trials the best feasible point beats the best of random search (same seeds)`, async () => {
      let wins = 0;
      for (const seed of [1, 2, 3]) {
        const best = (pts: number[][]): number =>
          Math.min(...pts.map(evaluate).filter((o) => (o.constraints['p99_us']?.mean ?? 9) <= 1).map((o) => o.objective?.mean ?? Infinity));
        const model = best(await run(kind, seed, 12, 2));
        const random = best(await run('random', seed, 12, 2));
        if (model < random) wins += 1;
      }
      assert.ok(wins >= 2, `${kind} won ${wins}/3`);
    });
  }
});
