import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.js';
import { truncateForMessage } from './safe-text.js';

/** Parameters substituted into an error template; kept on the error for structured output. */
export type ErrorParams = Record<string, string | number | boolean>;

/** Longest text one parameter adds to a message; callers quote inputs shorter still (safe-text's truncateForMessage). */
const MAX_PARAM_CHARS = 1000;

function render(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : truncateForMessage(String(value), MAX_PARAM_CHARS);
  });
}

/**
 * An error with a catalogue code. Its message is rendered from the catalogue template; `status`
 * and `retryable` come from the catalogue so callers never restate them.
 */
export class AlloctuneError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    const entry = ERROR_CATALOGUE[code];
    super(render(entry.template, params), options);
    this.name = 'AlloctuneError';
    this.code = code;
    this.status = entry.status;
    this.retryable = entry.retryable;
    this.params = params;
  }

  /** A plain record for JSON answers and stored trial failures. */
  toJSON(): { code: ErrorCode; message: string; params: ErrorParams } {
    return { code: this.code, message: this.message, params: this.params };
  }
}

/** True when `err` is an {@link AlloctuneError}, optionally with the given code. */
export function isAlloctuneError(err: unknown, code?: ErrorCode): err is AlloctuneError {
  return err instanceof AlloctuneError && (code === undefined || err.code === code);
}
