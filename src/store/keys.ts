/**
 * Every Redis key alloctune writes, in one place (BullMQ's own keys live under `bull:<queue name>:*`,
 * see src/queue/queue-names.ts). Nothing else builds a key string.
 *
 * Campaign state (written by the service's controller only, src/store/campaign-store.ts):
 * - `alloctune:campaigns`                        zset campaign id -> creation time (ms)
 * - `alloctune:campaign:<id>`                    string, CampaignRecord JSON
 * - `alloctune:campaign:<id>:trials`             hash trial id -> TrialRecord JSON
 * - `alloctune:campaign:<id>:seq`                counter behind trial ids
 * - `alloctune:campaign:<id>:optimizer`          string, sampler state JSON
 *
 * Tournaments (written by the service's tournament controller only, src/store/tournament-store.ts):
 * - `alloctune:tournaments`                      zset tournament id -> creation time (ms)
 * - `alloctune:tournament:<id>`                  string, TournamentRecord JSON (children are ordinary campaigns)
 * - `alloctune:tournament:<id>:seq`              counter behind its final-round trial ids
 *
 * Trial execution (written by workers only):
 * - `alloctune:trial:<campaign>:<trial>:result`  string, the TrialResult JSON; written once (SET NX).
 * - `alloctune:campaign:<campaign>:results`      zset trial id -> finish time (ms), index of stored results.
 * - `alloctune:workers`                          hash worker name -> WorkerInfo JSON.
 * - `alloctune:workers:seen`                     zset worker name -> last heartbeat (ms since epoch).
 * - `alloctune:worker:<name>:lease`              string, random token of the process holding the name;
 *                                                expires unless its heartbeat renews it (worker-registry.ts).
 *
 * Written by the service when it withdraws a trial (src/store/withdrawn-jobs.ts), read by workers:
 * - `alloctune:job:<job id>:withdrawn`           string, present once the trial's job must not run.
 *
 * - `alloctune:controller:lease`                string, the service process that runs the controller
 *                                                (expires unless renewed; src/store/controller-lease.ts).
 *
 * Streams, one writer each:
 * - `alloctune:trial-reports`   workers -> controller: `trial_started` and `trial_result` entries of
 *                               every campaign (src/store/trial-reports.ts). Read by the controller
 *                               only, from the cursor below.
 * - `alloctune:controller:reports-cursor`  string, id of the last report the controller has applied
 *                               (written by the controller after applying, so a restart resumes there).
 * - `alloctune:events:<campaign>`  controller -> SSE clients: the campaign's facts, one event each
 *                               (types in src/store/campaign-events.ts); under a tournament's id, the
 *                               tournament's own facts (src/store/tournament-events.ts).
 */
export const KEYS = {
  campaignIndex: 'alloctune:campaigns',
  tournamentIndex: 'alloctune:tournaments',
  tournament: (id: string): string => `alloctune:tournament:${id}`,
  tournamentSequence: (id: string): string => `alloctune:tournament:${id}:seq`,
  campaign: (id: string): string => `alloctune:campaign:${id}`,
  campaignTrials: (id: string): string => `alloctune:campaign:${id}:trials`,
  trialSequence: (id: string): string => `alloctune:campaign:${id}:seq`,
  optimizerState: (id: string): string => `alloctune:campaign:${id}:optimizer`,
  trialResult: (campaignId: string, trialId: string): string => `alloctune:trial:${campaignId}:${trialId}:result`,
  campaignResults: (campaignId: string): string => `alloctune:campaign:${campaignId}:results`,
  trialReports: 'alloctune:trial-reports',
  reportsCursor: 'alloctune:controller:reports-cursor',
  controllerLease: 'alloctune:controller:lease',
  campaignEvents: (campaignId: string): string => `alloctune:events:${campaignId}`,
  workers: 'alloctune:workers',
  workersSeen: 'alloctune:workers:seen',
  workerNameLease: (name: string): string => `alloctune:worker:${name}:lease`,
  withdrawnJob: (jobId: string): string => `alloctune:job:${jobId}:withdrawn`,
} as const;

/** Campaign event streams are capped (approximately) at this many entries. */
export const EVENTS_MAXLEN = 100_000;

/**
 * The report stream is capped (approximately) at this many entries. The controller reads it every
 * pass (500 ms), so only a controller stopped while workers store this many results could miss one.
 */
export const REPORTS_MAXLEN = 1_000_000;
