import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { $ZodType, safeEncode } from 'zod/v4/core';

/**
 * Serializes a reply after checking it against the route's zod response schema (the one the
 * OpenAPI document shows) as JSON will carry it, and answers 500 when it does not fit: a reply that breaks its documented
 * shape is a bug, not something to send. Unlike the provider's own compiler it sends the reply as
 * built instead of the parsed copy, so a field missing from the schema is not silently dropped; the
 * OpenAPI conformance test (test/api/openapi-responses.test.ts) fails on it instead.
 */
export const checkedSerializerCompiler: FastifySerializerCompiler<$ZodType> =
  ({ schema: given, method, url }) => {
    // fastify hands over the schema as the route gave it, or wrapped as `{properties}` by plugins.
    const schema = given instanceof $ZodType ? given : (given as unknown as { properties: $ZodType }).properties;
    return (data: unknown) => {
      // Checked as the client will read it: JSON turns NaN into null and drops undefined.
      const json = JSON.stringify(data);
      const result = safeEncode(schema, JSON.parse(json));
      if (result.error) throw new ResponseSerializationError(method, url, { cause: result.error });
      return json;
    };
  };
