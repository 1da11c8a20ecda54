import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputProblemsError } from '../../src/core/input-problems-error.js';
import { TournamentSpecSchema, type TournamentSpecInput } from '../../src/core/tournament-spec.js';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { childCampaignSpec, childName } from '../../src/service/tournament-child-spec.js';
import { planTournament } from '../../src/service/tournament-setup.js';

function spec(overrides: Partial<TournamentSpecInput> = {}) {
  return TournamentSpecSchema.parse({
    name: 'setup',
    allocators: ['glibc', 'jemalloc'],
    workloads: [{ kind: 'harness', workload: 'larson', args: { 'duration-ms': 200 } }, { kind: 'command', name: 'cfrac' }],
    objective: { metric: 'peak_rss_bytes', direction: 'min' },
    budget: { trials: 8, minutes: 30 },
    ...overrides,
  });
}

function problems(fn: () => unknown): Map<string, string> {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputProblemsError) return new Map(err.problems.map((p) => [p.path, p.message]));
    throw err;
  }
  assert.fail('no problem reported');
}

describe('tournament children: ordinary campaign specs', () => {
  it('sets the allocator, its space, its share and the thread count on harness workloads only', () => {
    const s = spec({ threads: [1, 4], spaces: { jemalloc: { drop: ['narenas'] } } });
    const child = childCampaignSpec(s, 'jemalloc', 4, 3);
    assert.equal(child.allocator, 'jemalloc');
    assert.equal(child.budget.trials, 3);
    assert.equal(child.budget.minutes, 30);
    assert.deepEqual(child.space?.drop, ['narenas']);
    assert.deepEqual(child.workloads[0], { kind: 'harness', workload: 'larson', args: { 'duration-ms': 200, threads: 4 } });
    assert.deepEqual(child.workloads[1], { kind: 'command', name: 'cfrac' });
    assert.equal(childCampaignSpec(s, 'glibc', 1, 3).space, undefined);
    assert.equal(child.name, 'setup [jemalloc, 4 threads]');
  });

  it('gives today\'s setting to the baseline allocator only', () => {
    const s = spec({ baseline_allocator: 'jemalloc', baseline: { malloc_conf: 'narenas:2' } });
    assert.deepEqual(childCampaignSpec(s, 'jemalloc', null, 3).baseline, { malloc_conf: 'narenas:2' });
    assert.equal(childCampaignSpec(s, 'glibc', null, 3).baseline, undefined);
    // Read against the baseline allocator's space: MALLOC_CONF text for glibc is its problem, under the tournament's path.
    const found = problems(() => planTournament(spec({ workloads: [{ kind: 'harness', workload: 'larson', args: {} }], baseline: { malloc_conf: 'narenas:2' } })));
    assert.match(found.get('baseline.malloc_conf') ?? '', /MALLOC_CONF/);
  });

  it('keeps a child name within the campaign limit', () => {
    assert.ok(childName({ name: 'n'.repeat(120) }, 'tcmalloc', 16).length <= 120);
  });

  it('plans allocators x thread counts with their shares', () => {
    const children = planTournament(spec({ workloads: [{ kind: 'harness', workload: 'larson', args: {} }], threads: [1, 2], budget_split: { jemalloc: 3 }, budget: { trials: 12, minutes: 30 } }));
    // One each, the other 8 shared 1:3 and halved over the thread counts.
    assert.deepEqual(children.map((c) => [c.allocator, c.threads, c.spec.budget.trials]), [['glibc', 1, 2], ['glibc', 2, 2], ['jemalloc', 1, 4], ['jemalloc', 2, 4]]);
  });

  it('names every bad field under the tournament\'s own paths', () => {
    const found = problems(() =>
      planTournament(spec({ allocators: ['glibc', 'nosuch'], baseline_allocator: 'tcmalloc', budget_split: { mimalloc: 2 }, spaces: { glibc: { drop: ['no_such_knob'] }, tcmalloc: {} }, threads: [2] })),
    );
    assert.match(found.get('allocators.1') ?? '', /'nosuch' is not a defined allocator/);
    assert.match(found.get('baseline_allocator') ?? '', /not one of the allocators/);
    assert.match(found.get('budget_split.mimalloc') ?? '', /not one of the allocators/);
    assert.match(found.get('spaces.tcmalloc') ?? '', /not one of the allocators/);
    assert.ok([...found.keys()].some((k) => k.startsWith('spaces.glibc')), [...found.keys()].join(', '));
  });

  it('refuses a sweep without a harness workload, and a threads argument the sweep sets', () => {
    const noHarness = problems(() => planTournament(spec({ workloads: [{ kind: 'command', name: 'cfrac' }], threads: [1, 2] })));
    assert.match(noHarness.get('threads') ?? '', /needs a harness workload/);
    const both = problems(() => planTournament(spec({ workloads: [{ kind: 'harness', workload: 'larson', args: { threads: 2 } }], threads: [1, 2] })));
    assert.match(both.get('workloads.0.args.threads') ?? '', /set by the tournament's threads sweep/);
  });

  it('needs one live worker that loads every allocator, for the final round', () => {
    const worker = (name: string, allocators: string[]): WorkerInfo => ({ name, labels: {}, allocators: allocators.map((a) => ({ name: a })) }) as unknown as WorkerInfo;
    const s = spec({ workloads: [{ kind: 'harness', workload: 'larson', args: {} }] });
    const found = problems(() => planTournament(s, { workers: [worker('w1', ['glibc']), worker('w2', ['jemalloc'])] }));
    assert.match(found.get('allocators') ?? '', /no live worker can load all of glibc, jemalloc .*w1 loads glibc; w2 loads jemalloc/);
    assert.equal(planTournament(s, { workers: [worker('w3', ['glibc', 'jemalloc'])] }).length, 2);
  });
});
