import { z } from 'zod';
import { ExportEvidenceSchema, type ExportEvidence } from '../../core/export-evidence.js';
import type { SpaceEncoding } from '../../core/search-space.js';
import { EXPORT_FORMATS, composeExport, formatsFor, renderExport } from './export-formats.js';
import { DEFAULT_EXPORT_TARGET, K8S_FORMS, K8S_KINDS, K8sContainerNameSchema, K8sObjectNameSchema, SystemdUnitSchema, type ExportTarget } from './export-target.js';

const BooleanQuery = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

const defaults = DEFAULT_EXPORT_TARGET;

/**
 * Query of `GET /v1/campaigns/:id/export`. `with_evidence=true` appends the evidence as comments to
 * the value; `parts=true` answers JSON with the value, the evidence and the fitting formats apart.
 */
export const ExportQuerySchema = z
  .object({
    format: z.enum(EXPORT_FORMATS).default('json'),
    with_evidence: BooleanQuery,
    parts: BooleanQuery,
    k8s_form: z.enum(K8S_FORMS).default(defaults.k8s.form),
    k8s_kind: z.enum(K8S_KINDS).default(defaults.k8s.kind),
    k8s_name: K8sObjectNameSchema.default(defaults.k8s.name),
    k8s_container: K8sContainerNameSchema.default(defaults.k8s.container),
    unit: SystemdUnitSchema.default(defaults.systemdUnit),
  })
  .strict();
export type ExportQuery = z.infer<typeof ExportQuerySchema>;

/** The `parts=true` answer: the value to deploy and its evidence apart, for clients that show or write them separately. */
export const ExportPartsSchema = z.object({
  format: ExportQuerySchema.shape.format.unwrap(),
  value: z.string(),
  evidence: z.string(),
  content_type: z.string(),
  /** Formats that fit the campaign's allocator, the preferred one first. */
  formats: z.array(z.string()),
});
export type ExportParts = z.infer<typeof ExportPartsSchema>;

/** The `format=json` answer: the evidence with the warnings a deployment should heed. */
export const ExportJsonSchema = z.object({ ...ExportEvidenceSchema.shape, deploy_warnings: z.array(z.string()) });

/** The responses of the export route, per content type. */
export const EXPORT_RESPONSES = {
  200: {
    description: 'The chosen config in the asked format: JSON (evidence, or `parts=true`), text (malloc_conf, env, systemd, malloc.conf, docker) or YAML (k8s)',
    content: {
      'application/json': { schema: z.union([ExportJsonSchema, ExportPartsSchema]) },
      'text/plain': { schema: z.string() },
      'application/yaml': { schema: z.string() },
    },
  },
};

/** The export as the route sends it: a content type and a body (text, or the parts as JSON). */
export function exportResponse(query: ExportQuery, e: ExportEvidence, encoding: SpaceEncoding['format']): { contentType: string; body: string } {
  const target: ExportTarget = {
    k8s: { kind: query.k8s_kind, name: query.k8s_name, container: query.k8s_container, form: query.k8s_form },
    systemdUnit: query.unit,
  };
  const rendered = renderExport(query.format, e, { encoding, target });
  if (query.parts) {
    const parts: ExportParts = { format: query.format, value: rendered.value, evidence: rendered.evidence, content_type: rendered.contentType, formats: formatsFor(encoding) };
    return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(parts) };
  }
  return { contentType: rendered.contentType, body: composeExport(rendered, query.with_evidence) };
}
