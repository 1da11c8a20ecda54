import { AlloctuneError } from '../../core/alloctune-error.js';

/** Minimal client of the alloctune REST API for the CLI (campaign start/watch/export, demo). */
export class ServiceClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (err) {
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `cannot reach the service at ${this.baseUrl}: ${err instanceof Error ? err.message : String(err)}` });
    }
    if (!res.ok) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // Not JSON: keep the text.
      }
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `${method} ${path}: HTTP ${res.status}: ${message}` });
    }
    return res;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  async text(path: string): Promise<string> {
    return (await this.request('GET', path)).text();
  }
}
