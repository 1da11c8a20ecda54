import type { Redis } from 'ioredis';
import { compareStreamIds } from '../store/campaign-events.js';
import { loadReportsCursor, oldestTrialReportId, readTrialReports, saveReportsCursor, type TrialReport } from '../store/trial-events.js';

/** Entries read per round trip, and round trips per {@link ReportFeed.drain}. */
const BATCH = 1000;
const MAX_BATCHES = 20;

/**
 * The controller's reading position on the workers' report stream (src/store/trial-events.ts): hands
 * out new reports grouped by campaign, in stream order, and moves the cursor kept in Redis only
 * once a batch is applied, so a restarted service resumes exactly there.
 */
export class ReportFeed {
  private cursor: string | undefined;
  /** Stream entries read so far (tests check that a restart resumes at its cursor). */
  entriesRead = 0;

  constructor(private readonly redis: Redis) {}

  /**
   * True when reports may have been missed: no cursor yet (first start of this version, whose
   * results were announced elsewhere) or entries trimmed from the capped stream before being read.
   */
  async mayHaveMissed(): Promise<boolean> {
    this.cursor = await loadReportsCursor(this.redis);
    const oldest = await oldestTrialReportId(this.redis);
    return this.cursor === undefined || (oldest !== undefined && compareStreamIds(this.cursor, oldest) < 0);
  }

  /**
   * Pass every new report to `apply`, one call per campaign and batch. A batch counts as applied
   * when every call resolved true; otherwise reading stops and the batch is read again next time
   * (so applying must be idempotent).
   */
  async drain(apply: (campaignId: string, reports: readonly TrialReport[]) => Promise<boolean>): Promise<void> {
    this.cursor ??= await loadReportsCursor(this.redis);
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const { reports, last, entries } = await readTrialReports(this.redis, this.cursor ?? '0', BATCH);
      if (last === undefined) return;
      this.entriesRead += entries;
      const byCampaign = new Map<string, TrialReport[]>();
      for (const r of reports) byCampaign.set(r.campaign_id, [...(byCampaign.get(r.campaign_id) ?? []), r]);
      for (const [id, list] of byCampaign) if (!(await apply(id, list))) return;
      await saveReportsCursor(this.redis, last);
      this.cursor = last;
      if (entries < BATCH) return;
    }
  }
}
