import type { CampaignRecord } from '../core/campaign-record.js';
import { defaultMinRelativeEffect } from '../optimizer/duel/practical-threshold.js';

/** Minimum relative effect (fraction) a claim must reach for this campaign. */
export function minRelativeEffect(record: Pick<CampaignRecord, 'spec'>): number {
  const pct = record.spec.duel.min_effect_pct;
  return pct === undefined ? defaultMinRelativeEffect(record.spec.objective.metric) : pct / 100;
}
