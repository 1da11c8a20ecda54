import type { ExportFormat } from '../../api/export/export-formats.js';
import type { ExportParts } from '../../api/export/export-query.js';
import type { ServiceClient } from './service-client.js';

/** Query parameters of an export besides the format (k8s_kind, unit, ...), as the route names them. */
export type ExportParams = Record<string, string>;

function exportPath(id: string, format: string, params: ExportParams): string {
  const query = new URLSearchParams({ ...params, format, parts: 'true' });
  return `/v1/campaigns/${encodeURIComponent(id)}/export?${query.toString()}`;
}

/**
 * One export of campaign `id` with the value and its evidence apart (`parts=true`). Without a
 * format, the allocator's preferred one: `env` fits every allocator, and its answer names the
 * preferred format, fetched next if it is another one.
 */
export async function fetchExport(client: ServiceClient, id: string, format: ExportFormat | undefined, params: ExportParams = {}): Promise<ExportParts> {
  const first = await client.json<ExportParts>('GET', exportPath(id, format ?? 'env', params));
  const preferred = first.formats[0];
  if (format !== undefined || preferred === undefined || preferred === first.format) return first;
  return client.json<ExportParts>('GET', exportPath(id, preferred, params));
}
