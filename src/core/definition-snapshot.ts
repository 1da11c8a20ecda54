import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AllocatorNameSchema } from './allocator-name.js';
import { SpaceFileSchema, type SpaceFile } from './search-space.js';

/** JSON text of `value` with object keys sorted at every level: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of a definition's canonical JSON after validation (defaults filled in, `$schema`
 * left out): two files that differ only in layout or key order hash alike, so the hash names the
 * definition, not the file.
 */
export function definitionSha256(content: SpaceFile): string {
  const { $schema: _schema, ...rest } = content;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** A definition and its hash, as a trial job carries it (the worker recomputes the hash and checks it). */
export const DefinitionCopySchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  content: SpaceFileSchema,
});
export type DefinitionCopy = z.infer<typeof DefinitionCopySchema>;

/**
 * The allocator definition a campaign runs with, copied into its record at creation: every later
 * step (proposals, trial jobs, distillation, export, a restarted service) reads this copy, never the
 * file, so that editing or deleting the file cannot change a running campaign.
 */
export const DefinitionSnapshotSchema = DefinitionCopySchema.extend({
  /** `posted`: sent with the campaign (`definition` in the spec); `registry`: a loaded definition file. */
  source: z.enum(['posted', 'registry']),
  /** The file it was read from (registry), for the record. */
  file: z.string().optional(),
  /**
   * The registered definition whose library, identity and read-back it uses: itself for a
   * registered one; for a posted one the definition it is a view over (src/spaces/definition-view.ts).
   * Workers advertise and find libraries under this name.
   */
  base: AllocatorNameSchema,
});
export type DefinitionSnapshot = z.infer<typeof DefinitionSnapshotSchema>;

/** What a job carries of a snapshot. */
export function definitionCopy(snapshot: Pick<DefinitionSnapshot, 'sha256' | 'content'>): DefinitionCopy {
  return { sha256: snapshot.sha256, content: snapshot.content };
}
