/**
 * Run one campaign file through a running alloctune service and dump its raw data into a folder.
 *
 *   node --import tsx experiments/report-kit/run-campaign.ts --service URL --token T --redis URL \
 *        --campaign experiments/X/campaign.json --out experiments/X/raw
 *
 * Writes (data first, every file from the service or its store, nothing computed here):
 *   campaign.json (record + progress), trials.jsonl, leaderboard.json, pareto.json,
 *   results.jsonl (every stored TrialResult: all repeats, steal, read-back options), export.json (the
 *   default, distilled export), export-full.json (`?variant=full`: the winner as found), importance.json.
 * With --id ID it does not start a campaign but waits for (and dumps) an existing one.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ServiceClient } from '../../src/cli/client/service-client.js';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import type { CampaignRecord, TrialRecord } from '../../src/core/campaign-record.js';

const POLL_MS = 5000;

/** States after which a campaign changes no more (anything else, e.g. waiting for workers, is polled). */
const TERMINAL = new Set(['finished', 'cancelled', 'failed']);

interface CampaignReply {
  campaign: CampaignRecord;
  progress: unknown;
}

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      service: { type: 'string' },
      token: { type: 'string' },
      redis: { type: 'string' },
      campaign: { type: 'string' },
      id: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.service || !values.token || !values.redis || !values.out || (!values.campaign && !values.id)) {
    process.stderr.write('usage: run-campaign.ts --service URL --token T --redis URL (--campaign FILE | --id ID) --out DIR\n');
    return 2;
  }
  const client = new ServiceClient(values.service, values.token);
  let id = values.id;
  if (id === undefined) {
    const spec: unknown = JSON.parse(readFileSync(values.campaign ?? '', 'utf8'));
    id = (await client.json<CampaignReply>('POST', '/v1/campaigns', spec)).campaign.id;
    process.stderr.write(`started campaign ${id}\n`);
  }
  let reply = await client.json<CampaignReply>('GET', `/v1/campaigns/${id}`);
  while (!TERMINAL.has(reply.campaign.state)) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    reply = await client.json<CampaignReply>('GET', `/v1/campaigns/${id}`);
    process.stderr.write(`${new Date().toISOString()} ${id} ${JSON.stringify(reply.progress)}\n`);
  }
  const trials = (await client.json<{ trials: TrialRecord[] }>('GET', `/v1/campaigns/${id}/trials`)).trials;
  const leaderboard = await client.json<unknown>('GET', `/v1/campaigns/${id}/leaderboard`);
  const pareto = await client.json<unknown>('GET', `/v1/campaigns/${id}/pareto`);
  const exported = await client.json<unknown>('GET', `/v1/campaigns/${id}/export?format=json`);
  const exportedFull = await client.json<unknown>('GET', `/v1/campaigns/${id}/export?format=json&variant=full`);
  const importance = await client.json<unknown>('GET', `/v1/campaigns/${id}/importance`);
  const redis = new Redis(values.redis, { maxRetriesPerRequest: 2 });
  let results;
  try {
    results = await listTrialResults(redis, id);
  } finally {
    redis.disconnect();
  }
  const order = new Map(trials.map((t, i) => [t.trial_id, i]));
  results.sort((a, b) => (order.get(a.trial_id) ?? 0) - (order.get(b.trial_id) ?? 0));

  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'campaign.json'), JSON.stringify(reply, null, 2) + '\n');
  writeFileSync(join(values.out, 'trials.jsonl'), jsonl(trials));
  writeFileSync(join(values.out, 'leaderboard.json'), JSON.stringify(leaderboard, null, 2) + '\n');
  writeFileSync(join(values.out, 'pareto.json'), JSON.stringify(pareto, null, 2) + '\n');
  writeFileSync(join(values.out, 'results.jsonl'), jsonl(results));
  writeFileSync(join(values.out, 'export.json'), JSON.stringify(exported, null, 2) + '\n');
  writeFileSync(join(values.out, 'export-full.json'), JSON.stringify(exportedFull, null, 2) + '\n');
  writeFileSync(join(values.out, 'importance.json'), JSON.stringify(importance, null, 2) + '\n');
  process.stderr.write(`campaign ${id} ${reply.campaign.state} (${reply.campaign.stop_reason ?? ''}): ${trials.length} trials, ${results.length} results -> ${values.out}\n`);
  return 0;
}

process.exitCode = await main();
