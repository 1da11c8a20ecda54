/**
 * The one catalogue of alloctune errors: code, HTTP status, message template and whether a trial
 * that fails with it may be retried. Templates use `{name}` placeholders filled from `params`.
 */
export const ERROR_CATALOGUE = {
  ALLOCTUNE_ERR_INVALID_INPUT: { status: 400, retryable: false, template: 'invalid {field}: {reason}' },
  ALLOCTUNE_ERR_UNAUTHORIZED: { status: 401, retryable: false, template: '{reason}' },
  ALLOCTUNE_ERR_NOT_FOUND: { status: 404, retryable: false, template: '{what} {id} not found' },
  ALLOCTUNE_ERR_CONFLICT: { status: 409, retryable: false, template: '{reason}' },
  ALLOCTUNE_ERR_SPACE_FILE: { status: 500, retryable: false, template: '{file}: {path}: {reason}' },
  ALLOCTUNE_ERR_CONFIG_VALUE: { status: 400, retryable: false, template: '{key}: {reason}' },
  ALLOCTUNE_ERR_LIBRARY_MISSING: { status: 400, retryable: false, template: '{allocator} library {path}: {reason}' },
  ALLOCTUNE_ERR_ALLOCATOR_REJECTED: { status: 422, retryable: false, template: 'allocator rejected the config: {line}' },
  ALLOCTUNE_ERR_WRONG_ALLOCATOR: {
    status: 422,
    retryable: false,
    template: 'expected {expected} to serve malloc() but {actual} does',
  },
  ALLOCTUNE_ERR_TARGET_CRASHED: { status: 500, retryable: false, template: '{target} {reason}' },
  ALLOCTUNE_ERR_TIMEOUT: { status: 504, retryable: false, template: '{target} exceeded {timeout_ms} ms' },
  ALLOCTUNE_ERR_BAD_OUTPUT: { status: 502, retryable: false, template: '{target} output invalid: {reason}' },
  ALLOCTUNE_ERR_NOISY: { status: 503, retryable: true, template: '{reason}' },
  ALLOCTUNE_ERR_WORKER_LOST: { status: 503, retryable: true, template: 'worker {worker} lost: {reason}' },
  ALLOCTUNE_ERR_REDIS_UNAVAILABLE: { status: 503, retryable: true, template: 'redis unavailable: {reason}' },
  ALLOCTUNE_ERR_SETUP: { status: 500, retryable: false, template: '{reason}' },
  ALLOCTUNE_ERR_TRACE_INVALID: { status: 422, retryable: false, template: 'trace file {file}: at offset {offset}: {reason}' },
  ALLOCTUNE_ERR_INTERNAL: { status: 500, retryable: false, template: '{reason}' },
  ALLOCTUNE_ERR_BODY_TOO_LARGE: { status: 413, retryable: false, template: 'request body larger than {limit_bytes} bytes' },
  ALLOCTUNE_ERR_RATE_LIMITED: { status: 429, retryable: true, template: 'rate limit exceeded, retry in {after}' },
} as const satisfies Record<string, { status: number; retryable: boolean; template: string }>;

/** A code from {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * Codes that blame the input rather than the machine: the config, a workload argument or the
 * allocator's refusal of them. A baseline trial failing with one of these fails its campaign at once,
 * since every other trial would fail the same way.
 */
export const INPUT_ERROR_CODES: readonly ErrorCode[] = ['ALLOCTUNE_ERR_INVALID_INPUT', 'ALLOCTUNE_ERR_CONFIG_VALUE', 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED'];
