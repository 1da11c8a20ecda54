/* global document, sessionStorage */
// HTTP access to the alloctune service from the page: JSON reads (open), token-carrying writes, and
// errors as values the views can show (unreachable service, wrong token, API error with its code).

const TOKEN_KEY = 'alloctune.token';

/** The service answered with an error body `{ code, message }`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The request never got an answer (service down, network gone). */
export class UnreachableError extends Error {}

const listeners = new Set();

/** Called with `(reachable, error)` after every request. */
export function onConnectivity(listener) {
  listeners.add(listener);
}

function report(reachable, error) {
  for (const l of listeners) l(reachable, error);
}

/** The token kept for this browser tab (sessionStorage: gone when the tab closes). */
export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function storeToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function request(path, init) {
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    const error = new UnreachableError(`the service at ${new URL(path, document.baseURI).origin} is unreachable (${err.message})`);
    report(false, error);
    throw error;
  }
  report(true, undefined);
  if (res.ok) return res;
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not a JSON error body (a proxy in between); keep the status text.
  }
  throw new ApiError(res.status, code, message);
}

/** GET a JSON document. */
export async function getJson(path) {
  const res = await request(path, { headers: { accept: 'application/json' } });
  return res.json();
}

/** GET a text document (exports). */
export async function getText(path) {
  const res = await request(path, { headers: { accept: 'text/plain' } });
  return res.text();
}

/** POST with the stored bearer token; resolves to the parsed body, or null for 204. */
export async function post(path, body) {
  const headers = { accept: 'application/json', authorization: `Bearer ${storedToken()}` };
  const init = { method: 'POST', headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await request(path, init);
  return res.status === 204 ? null : res.json();
}

/** One line for the user about a failed request. */
export function describeError(err) {
  if (err instanceof UnreachableError) return err.message;
  if (err instanceof ApiError && err.status === 401) {
    return storedToken() ? `wrong token: the service refused it (401 ${err.code}: ${err.message})` : 'no token: enter the bearer token (ALLOCTUNE_TOKEN) above';
  }
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return String(err?.message ?? err);
}
