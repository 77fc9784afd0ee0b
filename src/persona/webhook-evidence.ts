import type { Evidence } from '../decision/evidence.js';
import { inquiryDocumentSchema } from './schemas.js';
import { toEvidence } from './to-evidence.js';

/**
 * The evidence an inquiry event already carries, when its webhook is configured to include the inquiry's
 * verifications and reports (Persona's per-webhook `included-allowlist`, OAS `components/schemas/
 * included-allowlist.yaml`; https://docs.withpersona.com/webhook-allowlists). The event's payload is an inquiry
 * document, `{ data, included }`, exactly as `GET /inquiries/{id}?include=verifications,reports` answers, and it is
 * signed: as trustworthy as an API answer.
 *
 * Null, so the worker asks the API as before, unless the payload names its verifications and reports (relationship
 * linkages present: `relationship-allowlist: include_none` hides them) and `included` holds every one of them. Only
 * the PII-free evidence leaves this function (schemas.ts drops every undeclared attribute); the payload is not kept.
 * Key inflection other than Persona's default kebab case does not parse and falls back to the API too.
 */
export function evidenceFromWebhook(body: unknown): Evidence | null {
  const payload = payloadOf(body);
  // on the raw payload first: the webhooks Persona sends by default include nothing, and cost no parse here
  if (!payload || !includesAllItLinks(payload)) return null;
  const parsed = inquiryDocumentSchema.safeParse(payload);
  return parsed.success ? toEvidence(parsed.data) : null;
}

function payloadOf(body: unknown): Record<string, unknown> | null {
  const payload = field(field(field(body, 'data'), 'attributes'), 'payload');
  return isObject(payload) ? payload : null;
}

/**
 * Both linkage lists are there (possibly empty: without them, what the inquiry links is unknown) and every linked
 * verification and report is in `included`. A parse that succeeds keeps every included object, so this holds of
 * the parsed document too.
 */
function includesAllItLinks(payload: Record<string, unknown>): boolean {
  const included = field(payload, 'included');
  const relationships = field(field(payload, 'data'), 'relationships');
  const links = ['verifications', 'reports'].map((name) => field(field(relationships, name), 'data'));
  if (!Array.isArray(included) || !links.every(Array.isArray)) return false;
  const ids = new Set(included.map((resource) => field(resource, 'id')));
  return links.every((list) => (list as unknown[]).every((link) => ids.has(field(link, 'id'))));
}

function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
