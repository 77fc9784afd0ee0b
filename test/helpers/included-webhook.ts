import { readFileSync } from 'node:fs';

/**
 * The largest inquiry webhook Persona's own spec can show, with "everything included": the biggest `inquiry-*`
 * webhook body example of vendor/persona-openapi, its `payload.included` filled with one example of every object an
 * inquiry relates to (each verification type, each report type, documents, the session, the template, the account),
 * and its relationships naming each of them. What an included-allowlist of `include_all` sends, as far as the spec
 * tells; the basis of WEBHOOK_BODY_LIMIT_BYTES's default (test/unit/webhook-body-limit.test.ts).
 */
export interface IncludedWebhook {
  body: { data: { attributes: { payload: { data: Record<string, unknown>; included: object[] } } } };
  bytes: number;
  exampleName: string;
  includedTypes: string[];
}

interface Example {
  value?: { data?: unknown };
}
interface Resource {
  type: string;
  id: string;
}

const SPEC = new URL('../../vendor/persona-openapi/2025-12-08/openapi-bundled.json', import.meta.url);
const RELATED = /^(verification|report|document)\/|^(inquiry-session|inquiry-template|account)$/;

export function largestIncludedInquiryWebhook(): IncludedWebhook {
  const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as { components: { examples: Record<string, Example> } };
  const examples = Object.entries(spec.components.examples);
  const size = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
  const [exampleName, largest] = examples
    .filter(([name]) => /^inquiry-.*-webhook-body$/.test(name))
    .sort(([, a], [, b]) => size(b.value) - size(a.value))[0] ?? ['', {}];
  if (!largest.value) throw new Error('no inquiry webhook body example in the spec');

  // the largest example object of each related type
  const byType = new Map<string, Resource>();
  for (const [, example] of examples) {
    const data = example.value?.data as Resource | undefined;
    if (!data || Array.isArray(data) || typeof data.type !== 'string' || !RELATED.test(data.type)) continue;
    const known = byType.get(data.type);
    if (!known || size(data) > size(known)) byType.set(data.type, data);
  }
  // the spec's examples reuse a few ids across types: each included object gets its own, as Persona's have
  const seen = new Set<string>();
  const included = [...byType.values()].map((resource, index) => {
    const id = seen.has(resource.id) ? `${resource.id}${index}` : resource.id;
    seen.add(id);
    return { ...resource, id };
  });
  const body = structuredClone(largest.value) as IncludedWebhook['body'];
  const { payload } = body.data.attributes;
  const linkages = (prefix: string) =>
    included.filter((r) => r.type.startsWith(prefix)).map(({ type, id }) => ({ type, id }));
  const relationships = (payload.data.relationships ?? {}) as Record<string, unknown>;
  payload.data.relationships = {
    ...relationships,
    verifications: { data: linkages('verification/') },
    reports: { data: linkages('report/') },
    documents: { data: linkages('document/') },
  };
  payload.included = included;
  return { body, bytes: size(body), exampleName, includedTypes: included.map((r) => r.type).sort() };
}
