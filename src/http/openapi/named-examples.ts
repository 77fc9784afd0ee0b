import type { z } from 'zod';

/**
 * A condition of the service that an example's answer needs, written on the OpenAPI Example Object as `x-given`.
 * test/integration/openapi-examples.test.ts sets each one up before it sends the example's request.
 */
export type Given =
  /** sent without `Authorization` */
  | 'no-token'
  /** sent with a read-only token (API_READ_TOKENS) */
  | 'read-token'
  /** the database does not answer */
  | 'database-unreachable'
  /** DOWNSTREAM_URL is not set */
  | 'downstream-not-configured'
  /** the body is larger than the route takes */
  | 'body-over-limit'
  /** `Content-Type: application/xml` */
  | 'unsupported-content-type';

/** One OpenAPI Example Object. Its name joins a response example to the request examples that get that answer. */
export interface NamedExample<T> {
  summary: string;
  description?: string;
  value: T;
  given?: Given;
}

export type NamedExamples<T> = Record<string, NamedExample<T>>;

/**
 * Named examples as @fastify/swagger reads them from a schema: `x-examples` on a parameter's or a body's schema
 * becomes that parameter's or media type's `examples` map.
 */
export function toExamplesMeta<T>(examples: NamedExamples<T>): { 'x-examples': Record<string, object> } {
  const entries = Object.entries(examples).map(([name, { given, ...example }]) => [
    name,
    given === undefined ? example : { ...example, 'x-given': given },
  ]);
  return { 'x-examples': Object.fromEntries(entries) as Record<string, object> };
}

/** A reply schema with its description and named examples, each example typed by what the schema sends. */
export function documentedReply<S extends z.ZodType>(
  schema: S,
  description: string,
  examples: NamedExamples<z.output<S>>,
): S {
  // x-response-description: @fastify/swagger's key for the response's description (it stays out of the schema)
  return schema.meta({ 'x-response-description': description, ...toExamplesMeta(examples) });
}

/**
 * A request field (path or query parameter, header) with its description and named examples. Values are what a
 * client sends, so an example may be malformed on purpose (it documents the 400 it gets).
 */
export function documentedField<S extends z.ZodType>(
  schema: S,
  description: string,
  examples: Record<string, string | number>,
): S {
  const named = Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }]));
  return schema.meta({ description, 'x-examples': named });
}

/**
 * A reply that is not JSON (the Prometheus exposition): OpenAPI's content form, one media type with its schema,
 * description and named examples. register-openapi.ts lifts the examples from the schema onto the media type, as
 * @fastify/swagger does itself for the JSON replies.
 */
export function documentedTextReply<S extends z.ZodType>(
  mediaType: string,
  schema: S,
  description: string,
  examples: NamedExamples<z.output<S>>,
): { description: string; content: Record<string, { schema: S }> } {
  return { description, content: { [mediaType]: { schema: schema.meta(toExamplesMeta(examples)) } } };
}
