import type { CampaignSpecInput } from '../../src/core/campaign-spec.js';

/**
 * A real jemalloc campaign small enough for tests (well under a second per trial): the harness
 * fragmentation workload, memory 300 ms after the free burst.
 */
export function smallCampaign(overrides: Partial<CampaignSpecInput> = {}): CampaignSpecInput {
  return {
    name: 'test campaign',
    allocator: 'jemalloc',
    workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 8, 'snapshot-ms': '0,300' } }],
    objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
    constraints: [{ metric: 'fragmentation_ratio_at_300ms', max: 50 }],
    budget: { trials: 4, minutes: 10 },
    repeats: 1,
    duel: { candidates: 1, pairs: 6 },
    // Small distillation steps keep tests quick (a real campaign defaults to 4 pairs, 12 steps).
    distill: { pairs: 3, max_steps: 6 },
    sampler: 'random',
    seed: 11,
    ...overrides,
  };
}
