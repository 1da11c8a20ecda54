import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PosteriorSummary } from '../../src/optimizer/sampler.js';
import { DEFAULT_STOPPING_RULE, FIRST_POSTERIOR_STOPPING_RULE, minimumTrials, RELATIVE_EI_STOPPING_RULE, shouldStop, type CampaignProgress, type StoppingRule } from '../../src/optimizer/stopping.js';

const rule: StoppingRule = {
  max_trials: 100,
  max_wall_ms: Infinity,
  ei_relative_threshold: 0.005,
  patience: 3,
  posterior: { min_trials_base: 4, min_trials_per_dimension: 1, ei_noise_fraction: 0.05, improvement_probability_max: 0.1, leader_sd_noise_fraction: 0.5 },
};
/** Noise sd 10 around an incumbent of 1000 (1%): an EI of 1 is under 0.5% of the incumbent (5) but not under 5% of the noise sd (0.5). */
const settled: PosteriorSummary = { leader_mean: 1000, leader_sd: 2, noise_sd: 10, improvement_probability: 0.02 };

function progress(trials: number, posteriors: readonly (PosteriorSummary | null)[], eis: readonly (number | null)[], dimension = 6): CampaignProgress {
  return { trials, elapsed_ms: 0, confirmed_feasible: true, incumbent: 1000, expected_improvements: eis, posteriors, dimension };
}
const three = <T>(x: T): T[] => [x, x, x];

test('stops once EI, improvement probability and the leader sd are all small for `patience` proposals', () => {
  const d = shouldStop(progress(20, three(settled), three(0.1)), rule);
  assert.equal(d.stop && d.reason, 'converged');
  assert.match(d.stop ? d.detail : '', /leader's posterior sd \(2\.00\) < 0\.5 x noise sd/);
});

test('does not stop while the leader is uncertain, even when EI is tiny', () => {
  const uncertain = { ...settled, leader_sd: 6 };
  assert.deepEqual(shouldStop(progress(20, [settled, settled, uncertain], three(0.1)), rule), { stop: false });
});

test('does not stop while a proposal is likely to beat the leader (unexplored promising region)', () => {
  const promising = { ...settled, improvement_probability: 0.3 };
  assert.deepEqual(shouldStop(progress(20, [promising, settled, settled], three(0.1)), rule), { stop: false });
});

test('EI is judged against the noise, not the incumbent: 1 < 0.5% of 1000 stops the old rule, not the new one', () => {
  const p = progress(20, three(settled), three(1));
  const { posterior: _unused, ...relativeOnly } = rule;
  assert.equal(shouldStop(p, relativeOnly).stop, true, 'the relative-EI rule stops');
  assert.deepEqual(shouldStop(p, rule), { stop: false });
});

test('waits for a minimum of trials that grows with the dimension', () => {
  assert.equal(minimumTrials(rule.posterior!, 6), 10);
  assert.equal(minimumTrials(rule.posterior!, 12), 16);
  assert.deepEqual(shouldStop(progress(15, three(settled), three(0.1), 12), rule), { stop: false });
  assert.equal(shouldStop(progress(16, three(settled), three(0.1), 12), rule).stop, true);
});

test('without a posterior (random design, other samplers) the relative-EI rule applies, after the minimum', () => {
  const none = three(null);
  assert.equal(shouldStop(progress(20, none, three(0.1)), rule).stop, true);
  assert.deepEqual(shouldStop(progress(8, none, three(0.1)), rule), { stop: false }, 'still under 4 + 6 trials');
  assert.deepEqual(shouldStop(progress(20, none, [0.1, null, 0.1]), rule), { stop: false });
});

test('never stops for convergence without a confirmed feasible config; budgets still stop', () => {
  assert.deepEqual(shouldStop({ ...progress(20, three(settled), three(0.1)), confirmed_feasible: false }, rule), { stop: false });
  const b = shouldStop({ ...progress(100, [], []), confirmed_feasible: false }, rule);
  assert.equal(b.stop && b.reason, 'trial_budget');
});

test('the default rule is the posterior rule; the previous one is kept without it', () => {
  assert.ok(DEFAULT_STOPPING_RULE.posterior);
  assert.equal(RELATIVE_EI_STOPPING_RULE.posterior, undefined);
});

test('the default waits for EI under 3% of the noise sd: 4% of it still stops the first posterior rule, not the default', () => {
  const five = <T>(x: T): T[] => [x, x, x, x, x];
  const calm: PosteriorSummary = { ...settled, leader_sd: 9.5, improvement_probability: 0.05 };
  const at = (fraction: number) => progress(30, five(calm), five(fraction * calm.noise_sd), 12);
  assert.equal(shouldStop(at(0.04), FIRST_POSTERIOR_STOPPING_RULE).stop, true);
  assert.deepEqual(shouldStop(at(0.04), DEFAULT_STOPPING_RULE), { stop: false });
  const d = shouldStop(at(0.02), DEFAULT_STOPPING_RULE);
  assert.equal(d.stop && d.reason, 'converged');
  assert.match(d.stop ? d.detail : '', /expected improvement < 0\.03 x noise sd/);
});
