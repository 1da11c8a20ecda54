// The phase a campaign is in, named as a reader thinks of it: exploring, confirming (the duel
// round), distilling (reverting knobs one by one), or stopped and why. Pure: record and progress in.

/**
 * `{ phase, text }` for a campaign record and its progress: `phase` is one of waiting_for_workers,
 * exploring, confirming, distilling, cancelling, finished, cancelled, failed; `text` says what is happening or why it ended.
 */
export function campaignPhase(campaign, progress) {
  if (campaign.state === 'waiting_for_workers') {
    return { phase: campaign.state, text: `waiting for a worker: ${campaign.waiting_for?.reason ?? 'none fits'}` };
  }
  if (campaign.state === 'cancelling') {
    return { phase: campaign.state, text: `cancelling: ${progress.in_flight} trial(s) already on a worker finish first` };
  }
  if (campaign.state !== 'running') {
    return { phase: campaign.state, text: `${campaign.state}: ${campaign.stop_reason ?? 'no reason recorded'}` };
  }
  const d = campaign.distillation;
  if (d && (d.status === 'stepping' || d.status === 'confirming')) {
    const steps = d.steps?.length ?? 0;
    const what = d.status === 'confirming' ? 'duel of the minimal config against the baseline' : `revert step ${steps}${d.remaining?.length ? `, ${d.remaining.length} knob(s) left` : ''}`;
    return { phase: 'distilling', text: `distilling: ${what}` };
  }
  // The controller notes why exploration ended when it ends; duel trials follow.
  if (campaign.stop_reason !== undefined || progress.duel_trials > 0) {
    return { phase: 'confirming', text: `confirming the best configs in paired duels (exploration ended: ${campaign.stop_reason ?? 'budget reached'})` };
  }
  return { phase: 'exploring', text: `exploring: ${progress.explored} of ${progress.explore_budget} configs proposed` };
}
