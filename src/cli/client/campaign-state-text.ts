import type { WorkerNeeds } from '../../core/campaign-record.js';

/** The parts of a campaign record its state line reads. */
export interface CampaignStateView {
  state: string;
  stop_reason?: string;
  waiting_for?: WorkerNeeds;
}

/** What a `waiting_for_workers` campaign waits for, e.g. `a worker with labels zone=b, allocator jemalloc (no live worker)`. */
export function waitingText(needs: WorkerNeeds): string {
  const labels = Object.entries(needs.worker_labels).map(([k, v]) => `${k}=${v}`);
  const parts = [
    ...(labels.length > 0 ? [`labels ${labels.join(',')}`] : []),
    ...(needs.commands.length > 0 ? [`commands ${needs.commands.join(',')}`] : []),
    `allocator ${needs.allocator}`,
  ];
  return `a worker with ${parts.join(', ')} (${needs.reason})`;
}

/** A campaign's state as the CLI prints it: the state, then what it waits for or why it stopped. */
export function campaignStateText(c: CampaignStateView): string {
  if (c.state === 'waiting_for_workers' && c.waiting_for) return `${c.state}: ${waitingText(c.waiting_for)}`;
  return c.stop_reason ? `${c.state} (${c.stop_reason})` : c.state;
}
