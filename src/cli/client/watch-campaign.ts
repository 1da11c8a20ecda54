import type { Leaderboard } from '../../service/leaderboard.js';
import { leaderboardTable, progressBar } from './leaderboard-table.js';
import type { ServiceClient } from './service-client.js';

interface CampaignStatus {
  campaign: { id: string; state: string; stop_reason?: string; spec: { name: string } };
  progress: { explore_budget: number; explored: number; trials: number; in_flight: number; completed: number; failed: number; duel_trials: number; distill_trials?: number };
}

/**
 * Follow a campaign until it stops: a progress bar and the live leaderboard, redrawn in place on a
 * terminal, printed when something changed otherwise. Resolves with the final status.
 */
export async function watchCampaign(client: ServiceClient, id: string, out: NodeJS.WriteStream = process.stdout, pollMs = 1000): Promise<CampaignStatus> {
  let last = '';
  for (;;) {
    const status = await client.json<CampaignStatus>('GET', `/v1/campaigns/${id}`);
    const board = await client.json<Leaderboard>('GET', `/v1/campaigns/${id}/leaderboard`);
    const p = status.progress;
    const phase =
      (p.distill_trials ?? 0) > 0
        ? `distilling: ${p.distill_trials ?? 0} trials (after ${p.duel_trials} duel trials)`
        : p.duel_trials > 0
          ? `confirming: ${p.duel_trials} duel trials`
          : `exploring: ${progressBar(p.explored, p.explore_budget)}`;
    const screen = [
      `campaign ${id} (${status.campaign.spec.name}): ${status.campaign.state}${status.campaign.stop_reason ? ` (${status.campaign.stop_reason})` : ''}`,
      `${phase}   trials ${p.completed} done, ${p.failed} failed, ${p.in_flight} in flight`,
      '',
      leaderboardTable(board),
    ].join('\n');
    if (screen !== last) {
      out.write(out.isTTY ? `\x1b[H\x1b[2J${screen}\n` : `${screen}\n\n`);
      last = screen;
    }
    if (status.campaign.state !== 'running') return status;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
