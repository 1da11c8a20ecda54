import { CampaignStateSchema, isFinalState } from '../../core/campaign-record.js';
import type { Leaderboard } from '../../service/leaderboard.js';
import { waitingText, type CampaignStateView } from './campaign-state-text.js';
import { fitLine } from './fit-line.js';
import { configText, leaderboardTable, progressBar } from './leaderboard-table.js';
import { metricValueText } from './metric-value-text.js';
import type { ServiceClient } from './service-client.js';

interface CampaignStatus {
  campaign: CampaignStateView & { id: string; created_at?: string; spec: { name: string } };
  progress: { explore_budget: number; explored: number; trials: number; in_flight: number; completed: number; failed: number; duel_trials: number; distill_trials?: number };
}

/** Lines above and below the leaderboard rows: title, phase, blank, objective, header, placebo alarm, and the cursor's own line. */
const FRAME_LINES = 7;

/** Where the watch writes: a terminal (redrawn in place) or anything else (an append-only log). */
export interface WatchOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

function elapsedText(createdAt: string | undefined, now: number): string {
  const started = createdAt === undefined ? NaN : Date.parse(createdAt);
  if (!Number.isFinite(started)) return '';
  const s = Math.max(0, Math.floor((now - started) / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  return ` ${h > 0 ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
}

function phaseText(p: CampaignStatus['progress']): string {
  if ((p.distill_trials ?? 0) > 0) return `distilling: ${p.distill_trials ?? 0} trials (after ${p.duel_trials} duel trials)`;
  if (p.duel_trials > 0) return `confirming: ${p.duel_trials} duel trials`;
  return `exploring ${progressBar(p.explored, p.explore_budget, 20)}`;
}

function titleLine(id: string, status: CampaignStatus, now: number): string {
  const c = status.campaign;
  return `campaign ${id} ${c.state}${elapsedText(c.created_at, now)}${c.stop_reason ? ` (${c.stop_reason})` : ''}: ${c.spec.name}`;
}

function progressLine(status: CampaignStatus): string {
  const p = status.progress;
  const w = status.campaign.waiting_for;
  // Waiting, the progress bar says nothing: what the campaign waits for does.
  if (status.campaign.state === 'waiting_for_workers' && w) return `waiting for ${waitingText(w)}`;
  return `${phaseText(p)}  ${p.completed} done, ${p.failed} failed, ${p.in_flight} in flight`;
}

/**
 * Draws frames on a terminal in place: the cursor goes back up over the previous frame, each line
 * is rewritten and cleared to its end, and what the previous frame had below is cleared, so the
 * screen never scrolls or flashes. Lines are cut to the terminal's width first: a wrapped line
 * would break the count of lines to move up.
 */
class InPlaceScreen {
  private drawn = 0;

  constructor(private readonly out: WatchOutput) {}

  draw(lines: readonly string[]): void {
    const width = this.out.columns ?? 80;
    const up = this.drawn > 0 ? `\r\x1b[${this.drawn}A` : '';
    this.out.write(`${up}${lines.map((l) => `${fitLine(l, width)}\x1b[K\n`).join('')}\x1b[J`);
    this.drawn = lines.length;
  }
}

/**
 * Follow a campaign until it stops (finished, cancelled, failed): on a terminal, the title (with the
 * time since the campaign was created), the progress bar and the live leaderboard redrawn in place,
 * fitted to its width and height; otherwise a plain append-only log, one line per change of the
 * progress and of the leader, and the final leaderboard at the end. Resolves with the final status.
 */
export async function watchCampaign(client: ServiceClient, id: string, out: WatchOutput = process.stdout, pollMs = 1000): Promise<CampaignStatus> {
  const screen = out.isTTY ? new InPlaceScreen(out) : undefined;
  const logged = new Set<string>();
  const log = (line: string): void => {
    if (logged.has(line)) return;
    logged.add(line);
    out.write(`${new Date().toISOString()} ${line}\n`);
  };
  for (;;) {
    const status = await client.json<CampaignStatus>('GET', `/v1/campaigns/${encodeURIComponent(id)}`);
    const board = await client.json<Leaderboard>('GET', `/v1/campaigns/${encodeURIComponent(id)}/leaderboard`);
    const state = CampaignStateSchema.safeParse(status.campaign.state);
    const done = !state.success || isFinalState(state.data);
    if (screen) {
      const limit = Math.max(1, Math.min(8, (out.rows ?? 24) - FRAME_LINES));
      const width = out.columns ?? 80;
      screen.draw([titleLine(id, status, Date.now()), progressLine(status), '', ...leaderboardTable(board, { limit, width }).split('\n')]);
    } else {
      log(`${status.campaign.state}${status.campaign.stop_reason ? ` (${status.campaign.stop_reason})` : ''}: ${progressLine(status)}`);
      const leader = board.rows[0];
      if (leader?.objective) log(`leader ${leader.arm}: ${board.objective.metric} ${metricValueText(leader.objective.mean, board.objective.metric)} (${leader.completed} trials) ${configText(leader.env)}`);
      if (done) out.write(`\n${leaderboardTable(board)}\n`);
    }
    if (done) return status;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
