import { z } from 'zod';

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;
const MAX_PART = 2n ** 64n - 1n;

/**
 * True for a Redis stream id `<ms>-<seq>` that XRANGE can start after: both parts at most 2^64-1
 * (Redis refuses anything larger), and not the largest id of all, after which nothing can follow.
 */
export function isResumableStreamId(text: string): boolean {
  const match = STREAM_ID.exec(text);
  if (!match) return false;
  const ms = BigInt(match[1] ?? '');
  const seq = BigInt(match[2] ?? '');
  return ms <= MAX_PART && seq <= MAX_PART && !(ms === MAX_PART && seq === MAX_PART);
}

/** Message of a 400 for a bad `Last-Event-ID` / `?after=`; the input itself is not quoted. */
export const STREAM_ID_PROBLEM = 'an event id <ms>-<seq> as sent in the id: field of an event, each part a decimal at most 2^64-1';

/** `?after=` of the events route. */
export const StreamIdSchema = z.string().refine(isResumableStreamId, STREAM_ID_PROBLEM);
