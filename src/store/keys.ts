/**
 * Every Redis key alloctune's trial execution writes, in one place. BullMQ's own keys live under
 * `bull:<queue name>:*` (see src/queue/queue-names.ts).
 *
 * - `alloctune:trial:<campaign>:<trial>:result`  string, the TrialResult JSON; written once (SET NX).
 * - `alloctune:campaign:<campaign>:results`      zset trial id -> finish time (ms), index of stored results.
 * - `alloctune:events:<campaign>`                stream, one `trial_result` entry per stored result (SSE).
 * - `alloctune:workers`                          hash worker name -> WorkerInfo JSON.
 * - `alloctune:workers:seen`                     zset worker name -> last heartbeat (ms since epoch).
 */
export const KEYS = {
  trialResult: (campaignId: string, trialId: string): string => `alloctune:trial:${campaignId}:${trialId}:result`,
  campaignResults: (campaignId: string): string => `alloctune:campaign:${campaignId}:results`,
  campaignEvents: (campaignId: string): string => `alloctune:events:${campaignId}`,
  workers: 'alloctune:workers',
  workersSeen: 'alloctune:workers:seen',
} as const;

/** Events streams are capped (approximately) at this many entries. */
export const EVENTS_MAXLEN = 100_000;
