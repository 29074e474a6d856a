import { z } from 'zod';
import type { JsonSchema } from './openapi-responses';

/**
 * The JSON Schema of what `schema` accepts. Generated from the very zod object the route validates with, so
 * the document cannot drift from the API; parts zod cannot express in JSON Schema (refinements) are left out.
 */
export function requestSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    // Discriminated unions (messages by role, parts by type) have mutually exclusive branches, so `anyOf`
    // says the same as zod's `oneOf` and is what more OpenAPI tooling understands.
    override: ({ jsonSchema }) => {
      const branches = (jsonSchema as { oneOf?: unknown }).oneOf;
      if (branches === undefined) return;
      delete (jsonSchema as { oneOf?: unknown }).oneOf;
      (jsonSchema as { anyOf?: unknown }).anyOf = branches;
    },
  }) as JsonSchema;
  return rest;
}

/** Query parameters described by an object schema, one per property. */
export function queryParameters(schema: z.ZodType): JsonSchema[] {
  const { properties = {}, required = [] } = requestSchemaOf(schema) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}
