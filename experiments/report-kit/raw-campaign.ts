import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CampaignRecord, TrialRecord } from '../../src/core/campaign-record.js';
import type { ExportEvidence } from '../../src/core/export-evidence.js';
import type { TrialResult } from '../../src/core/trial-result.js';
import type { Leaderboard } from '../../src/service/leaderboard.js';

/** Everything `run-campaign.ts` dumped for one campaign, as the service returned it. */
export interface RawCampaign {
  record: CampaignRecord;
  trials: TrialRecord[];
  results: TrialResult[];
  leaderboard: Leaderboard;
  exported: ExportEvidence;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Load the raw files of one campaign folder (`campaign.json`, `trials.jsonl`, `results.jsonl`, ...). */
export function loadRawCampaign(dir: string): RawCampaign {
  return {
    record: readJson<{ campaign: CampaignRecord }>(join(dir, 'campaign.json')).campaign,
    trials: readJsonl<TrialRecord>(join(dir, 'trials.jsonl')),
    results: readJsonl<TrialResult>(join(dir, 'results.jsonl')),
    leaderboard: readJson<Leaderboard>(join(dir, 'leaderboard.json')),
    exported: readJson<ExportEvidence>(join(dir, 'export.json')),
  };
}
