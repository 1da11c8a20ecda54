import type { CampaignRecord } from '../core/campaign-record.js';
import type { SearchSpace } from '../core/search-space.js';
import { loadSpace, snapshotSpace } from '../spaces/index.js';

/**
 * The search space a stored campaign runs with: its definition snapshot with the spec's overrides.
 * Only records stored before snapshots existed read the definition file (as they always did).
 */
export function campaignSpace(record: Pick<CampaignRecord, 'spec' | 'definition'>): SearchSpace {
  return record.definition ? snapshotSpace(record.definition, record.spec.space) : loadSpace(record.spec.allocator, record.spec.space);
}

/** The allocator name workers advertise for a campaign's trials: its definition's base. */
export function campaignBaseAllocator(record: Pick<CampaignRecord, 'spec' | 'definition'>): string {
  return record.definition?.base ?? record.spec.allocator;
}
