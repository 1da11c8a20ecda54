import { createRequire } from 'node:module';
import Ajv from 'ajv';

const require = createRequire(import.meta.url);

interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: object }>;
}

/** The parts of an OpenAPI 3.0 document the validator reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>;
}

/** `/v1/campaigns/c1/trials/t3?limit=2` -> the document's path template it matches, e.g. `/v1/campaigns/{id}/trials/{tid}`. */
function templateOf(doc: OpenApiDocument, url: string): string | undefined {
  const path = url.split('?')[0] ?? '';
  return Object.keys(doc.paths).find((template) => {
    const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(path);
  });
}

/**
 * Validates real answers against the response schemas of an OpenAPI 3.0 document with Ajv (its
 * schema objects are JSON Schema draft 4 with `nullable`, which Ajv 6 reads with the draft-04 meta
 * schema). Throws, naming the route and every problem, when an answer does not fit.
 */
export class OpenApiValidator {
  private readonly ajv: Ajv.Ajv;

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv({ schemaId: 'id', meta: false, nullable: true, allErrors: true, unknownFormats: 'ignore', logger: false });
    const draft4 = require('ajv/lib/refs/json-schema-draft-04.json') as { id: string };
    this.ajv.addMetaSchema(draft4);
    (this.ajv as unknown as { _opts: { defaultMeta: string } })._opts.defaultMeta = draft4.id;
  }

  /** The schema documented for `method url` answering `status` with `contentType`, or why there is none. */
  schemaFor(method: string, url: string, status: number, contentType: string): object {
    const template = templateOf(this.doc, url);
    if (template === undefined) throw new Error(`${method} ${url}: no such path in the OpenAPI document`);
    const responses = this.doc.paths[template]?.[method.toLowerCase()]?.responses ?? {};
    const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
    if (!response) throw new Error(`${method} ${template}: status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
    const mediaType = contentType.split(';')[0]?.trim() ?? '';
    const schema = response.content?.[mediaType]?.schema;
    if (!schema) throw new Error(`${method} ${template} ${status}: no schema for ${mediaType} (documented: ${Object.keys(response.content ?? {}).join(', ')})`);
    return schema;
  }

  /** Check one answer: JSON bodies parsed, text bodies as strings. Returns the parsed body. */
  check(method: string, url: string, status: number, contentType: string, body: string): unknown {
    const schema = this.schemaFor(method, url, status, contentType);
    const value: unknown = /json/.test(contentType) ? JSON.parse(body) : body;
    const validate = this.ajv.compile(schema);
    if (!validate(value)) {
      const problems = (validate.errors ?? []).slice(0, 10).map((e) => `${e.dataPath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
      throw new Error(`${method} ${url} ${status} does not fit its OpenAPI schema:\n  ${problems.join('\n  ')}`);
    }
    return value;
  }
}
