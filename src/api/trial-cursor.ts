import { z } from 'zod';
import { trialIndex } from '../core/campaign-record.js';

const PREFIX = 'after:';

/**
 * An opaque page cursor of the trials list: the position after the last trial served (trials are
 * listed in id order, and ids only grow, so a page never repeats or skips a trial that existed).
 */
export function encodeTrialCursor(lastTrialId: string): string {
  return Buffer.from(`${PREFIX}${trialIndex(lastTrialId)}`, 'utf8').toString('base64url');
}

/** The trial index a cursor continues after, or undefined when it is not one this service issued. */
export function decodeTrialCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return undefined;
  const digits = text.slice(PREFIX.length);
  return /^\d{1,15}$/.test(digits) ? Number(digits) : undefined;
}

/** `?cursor=` of the trials list: refused with a 400 when it was not issued as `next_cursor`. */
export const TrialCursorSchema = z
  .string()
  .max(64)
  .refine((c) => decodeTrialCursor(c) !== undefined, 'a next_cursor value from a previous page');
