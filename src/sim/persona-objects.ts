/**
 * Builders for realistic Persona JSON:API objects (API version 2025-12-08, kebab-case keys), shared by the Persona
 * simulator and the tests (this file: shared types, fake PII, inquiries and responses; persona-verifications.ts and
 * persona-reports.ts: the rest). Output validates against vendor/persona-openapi/2025-12-08 for the inquiry, the
 * government-id / selfie / database verifications and the watchlist / PEP / adverse-media reports
 * (test/unit/persona-fixtures-schema.test.ts keeps it that way). Other verification types get the shared
 * attributes only, so unknown-type handling can be exercised.
 *
 * Every slot the schema has for personal data is filled with the clearly fake values in FAKE_PII, so a test can
 * assert that none of them ever reaches a log line or a database row. Pure and deterministic: times derive from
 * `createdAt`, related ids from the object's own id.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface PersonaResource {
  type: string;
  id: string;
  attributes: JsonObject;
  relationships: JsonObject;
}

export interface PersonaDocument {
  data: PersonaResource;
  included: PersonaResource[];
}

export interface Linkage {
  type: string;
  id: string;
}

/** Clearly fake personal data; every value is distinctive enough to grep for in captured logs and DB dumps. */
export const FAKE_PII = {
  nameFirst: 'Fakefirst',
  nameMiddle: 'Q',
  nameLast: 'Testperson-Notreal',
  birthdate: '1901-02-03',
  identificationNumber: 'FAKE-ID-0000417',
  documentNumber: 'FAKE-DOC-9931',
  addressStreet1: '742 Fictional Test Lane',
  addressStreet2: 'Unit 0',
  addressCity: 'Nowhereville',
  addressSubdivision: 'Fakeshire',
  addressPostalCode: '00000',
  emailAddress: 'fake.person@example.invalid',
  phoneNumber: '+1-202-555-0143',
} as const;

/** The FAKE_PII values (and the full-name term built from them), for leak assertions. */
export const FAKE_PII_VALUES: readonly string[] = [...Object.values(FAKE_PII), fullName()];

export const DEFAULT_CREATED_AT = '2026-01-01T00:00:00.000Z';
export const FAKE_FILES = 'https://files.example.invalid';

/** `inq_ABC` → `ABC`: related ids (account, templates…) reuse it so they are stable and recognisable. */
export function suffixOf(id: string): string {
  const i = id.indexOf('_');
  return i === -1 ? id : id.slice(i + 1);
}

export function plusSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** The account Persona links an inquiry (and its reports) to: one per simulated inquiry. */
export function accountIdFor(inquiryId: string): string {
  return `act_${suffixOf(inquiryId)}`;
}

export function link(type: string, id: string): JsonObject {
  return { data: { type, id } };
}

export function fullName(): string {
  return `${FAKE_PII.nameFirst} ${FAKE_PII.nameMiddle} ${FAKE_PII.nameLast}`;
}

// ---------------------------------------------------------------------------------------------------- inquiry

export interface BuildInquiryInput {
  id: string; // inq_…
  status: string; // created | pending | completed | failed | expired | needs_review | approved | declined | …
  verifications?: Linkage[];
  reports?: Linkage[];
  createdAt?: string;
  referenceId?: string | null;
  inquiryTemplateId?: string;
  /** Fill `fields` with FAKE_PII (default true), as a real template collecting name/address/birthdate does. */
  withPii?: boolean;
  /** The inquiry's tags (default none) and risk signals (merged over DEFAULT_BEHAVIORS). */
  tags?: string[];
  behaviors?: Record<string, number | boolean>;
  /** Merged over the generated attributes last: an escape hatch for the simulator. */
  attributes?: JsonObject;
}

/**
 * Risk signals Persona fills for enterprise customers (OAS: keys not enumerated; these are illustrative). The bot
 * score is what the policy examples read (docs/decision-policy.md#rules-cel).
 */
const DEFAULT_BEHAVIORS = {
  'bot-score': 3,
  'completion-time': 310.5,
  'request-spoof-attempts': 0,
  'user-agent-spoof-attempts': 0,
};

const INQUIRY_COMPLETED = new Set(['completed', 'needs_review', 'approved', 'declined']);
const INQUIRY_DECISIONED = new Set(['approved', 'declined']);

export function buildInquiry(input: BuildInquiryInput): PersonaResource {
  const created = input.createdAt ?? DEFAULT_CREATED_AT;
  const at = (cond: boolean, seconds: number): string | null => (cond ? plusSeconds(created, seconds) : null);
  const s = input.status;
  const suffix = suffixOf(input.id);
  const attributes: JsonObject = {
    status: s,
    'reference-id': input.referenceId ?? `user-${suffix}`,
    note: null,
    behaviors: { ...DEFAULT_BEHAVIORS, ...input.behaviors },
    tags: input.tags ?? [],
    creator: 'API',
    'reviewer-comment': null,
    'created-at': created,
    'updated-at': plusSeconds(created, 400),
    'started-at': at(s !== 'created', 5),
    'expires-at': plusSeconds(created, 24 * 3600),
    'completed-at': at(INQUIRY_COMPLETED.has(s), 300),
    'failed-at': at(s === 'failed', 300),
    'marked-for-review-at': at(s === 'needs_review', 310),
    'decisioned-at': at(INQUIRY_DECISIONED.has(s), 320),
    'expired-at': at(s === 'expired', 24 * 3600),
    'redacted-at': null,
    'previous-step-name': s === 'created' ? null : 'verification_government_id',
    'next-step-name': INQUIRY_COMPLETED.has(s) ? 'success' : 'verification_selfie',
    fields: input.withPii === false ? {} : inquiryFields(),
    ...input.attributes,
  };
  const templateId = input.inquiryTemplateId ?? `itmpl_${suffix}`;
  return {
    type: 'inquiry',
    id: input.id,
    attributes,
    relationships: {
      account: link('account', accountIdFor(input.id)),
      documents: { data: [] },
      'inquiry-template': link('inquiry-template', templateId),
      'inquiry-template-version': link('inquiry-template-version', `itmplv_${suffix}`),
      reports: { data: (input.reports ?? []).map(({ type, id }) => ({ type, id })) },
      reviewer: INQUIRY_DECISIONED.has(s) ? link('workflow-run', `wfr_${suffix}`) : { data: null },
      selfies: { data: [] },
      sessions: { data: [] },
      transaction: { data: null },
      verifications: { data: (input.verifications ?? []).map(({ type, id }) => ({ type, id })) },
    },
  };
}

function inquiryFields(): JsonObject {
  const text = (value: string | null): JsonObject => ({ type: 'string', value });
  return {
    'name-first': text(FAKE_PII.nameFirst),
    'name-middle': text(FAKE_PII.nameMiddle),
    'name-last': text(FAKE_PII.nameLast),
    'address-street-1': text(FAKE_PII.addressStreet1),
    'address-street-2': text(FAKE_PII.addressStreet2),
    'address-city': text(FAKE_PII.addressCity),
    'address-subdivision': text(FAKE_PII.addressSubdivision),
    'address-postal-code': text(FAKE_PII.addressPostalCode),
    'address-country-code': text('US'),
    birthdate: { type: 'date', value: FAKE_PII.birthdate },
    'email-address': text(FAKE_PII.emailAddress),
    'phone-number': text(FAKE_PII.phoneNumber),
    'identification-number': text(FAKE_PII.identificationNumber),
  };
}

/** An `inquiry-template` object, as Persona puts in `included` next to verifications (the client ignores it). */
export function buildInquiryTemplate(input: { id: string; name?: string }): PersonaResource {
  return {
    type: 'inquiry-template',
    id: input.id,
    attributes: { name: input.name ?? 'KYC: Government ID and Selfie', status: 'active' },
    relationships: { 'latest-published-version': link('inquiry-template-version', `itmplv_${suffixOf(input.id)}`) },
  };
}

/** `GET /inquiries/{id}?include=…` body. Pass `included: []` to mimic a response without `include`. */
export function buildInquiryResponse(inquiry: PersonaResource, included: PersonaResource[] = []): PersonaDocument {
  return { data: inquiry, included };
}

/** `GET /verifications/{id}` or `GET /reports/{id}` body. */
export function buildResourceResponse(resource: PersonaResource): { data: PersonaResource } {
  return { data: resource };
}

/** Persona's error body (`components/responses/*`): `{ errors: [{ title, details? }] }`. */
export function buildErrorBody(title: string, details?: string): JsonObject {
  return { errors: [details === undefined ? { title } : { title, details }] };
}

export function toUnix(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}
