import { readFileSync } from 'node:fs';
import type { InjectOptions } from 'fastify';
import type { Given } from '../../src/http/openapi/named-examples.js';
import { OPENAPI_FILE } from '../../scripts/lib/openapi-document.js';

/**
 * Reads the committed OpenAPI document (test/integration/openapi-document.test.ts keeps it equal to what the code
 * generates) and turns every response example into the request that gets that answer, following the rule the
 * document states in `info.description`: a response example's request is every parameter's and the body's example
 * of the same name, else the first example of the body and of each path parameter, header and required query
 * parameter; `x-given` names the condition the service must be in.
 */
interface Example {
  summary?: string;
  value: unknown;
  'x-given'?: Given;
}
interface Media {
  schema?: object;
  examples?: Record<string, Example>;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  examples?: Record<string, Example>;
}
interface Response {
  description: string;
  headers?: Record<string, { schema: object }>;
  content?: Record<string, Media>;
}
export interface Operation {
  operationId: string;
  security?: object[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, Response>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

export interface ExampleCase {
  /** `GET /decisions/{inquiryId} 404 unknown` */
  title: string;
  method: string;
  path: string;
  operation: Operation;
  /** A status code, or `default`. */
  status: string;
  name: string;
  example: Example;
  response: Response;
}

export function loadOpenApiDocument(): OpenApiDocument {
  return JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
}

export function operationsOf(document: OpenApiDocument): { method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

export function exampleCases(document: OpenApiDocument): ExampleCase[] {
  return operationsOf(document).flatMap(({ method, path, operation }) =>
    Object.entries(operation.responses).flatMap(([status, response]) =>
      Object.entries(mediaOf(response)?.media.examples ?? {}).map(([name, example]) => ({
        title: `${method} ${path} ${status} ${name}`,
        method,
        path,
        operation,
        status,
        name,
        example,
        response,
      })),
    ),
  );
}

/** The (first) media type of a response or request body: JSON here, but a route may answer text. */
export function mediaOf(
  part: { content?: Record<string, Media> } | undefined,
): { type: string; media: Media } | undefined {
  const [entry] = Object.entries(part?.content ?? {});
  return entry && { type: entry[0], media: entry[1] };
}

/** The request of an example, before its `x-given` condition is applied. */
export function toRequest(c: ExampleCase): InjectOptions & { headers: Record<string, string> } {
  let url = c.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const parameter of c.operation.parameters ?? []) {
    const value = pick(parameter.examples, c.name, parameter.in !== 'query' || parameter.required === true);
    if (value === undefined) continue;
    const text = String(value);
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(text));
    else if (parameter.in === 'query') query.set(parameter.name, text);
    else headers[parameter.name] = text;
  }
  const requestMedia = mediaOf(c.operation.requestBody);
  const body = pick(requestMedia?.media.examples, c.name, true);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const request: InjectOptions & { headers: Record<string, string> } = {
    method: c.method as 'GET' | 'POST',
    url: `${url}${search}`,
    headers,
  };
  if (requestMedia && body !== undefined) {
    headers['content-type'] = requestMedia.type;
    request.payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  return request;
}

function pick(examples: Record<string, Example> | undefined, name: string, orFirst: boolean): unknown {
  if (!examples) return undefined;
  const named = examples[name];
  if (named) return named.value;
  return orFirst ? Object.values(examples)[0]?.value : undefined;
}
