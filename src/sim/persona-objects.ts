/**
 * Builders for realistic Persona JSON:API objects (API version 2025-12-08, kebab-case keys), shared by the Persona
 * simulator and the tests. Output validates against vendor/persona-openapi/2025-12-08 for the inquiry, the
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
const FAKE_FILES = 'https://files.example.invalid';

/** `inq_ABC` → `ABC`: related ids (account, templates…) reuse it so they are stable and recognisable. */
function suffixOf(id: string): string {
  const i = id.indexOf('_');
  return i === -1 ? id : id.slice(i + 1);
}

function plusSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

function link(type: string, id: string): JsonObject {
  return { data: { type, id } };
}

function fullName(): string {
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
  /** Merged over the generated attributes last: an escape hatch for the simulator. */
  attributes?: JsonObject;
}

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
    behaviors: { 'request-spoof-attempts': 0, 'user-agent-spoof-attempts': 0, 'completion-time': 310.5 },
    tags: [],
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
      account: link('account', `act_${suffix}`),
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

// ----------------------------------------------------------------------------------------------- verifications

export interface CheckInput {
  name: string; // e.g. id_expired_detection
  status: string; // passed | failed | not_applicable | …
  requirement?: string; // required | not_required | requires_retry | … (default required)
  reasons?: string[];
  metadata?: JsonObject;
}

export interface BuildVerificationInput {
  id: string; // ver_…
  /** verification/government-id | verification/selfie | verification/database | any other verification/* */
  type: string;
  status: string; // initiated | submitted | passed | failed | requires_retry | canceled | …
  createdAt?: string;
  /** Default: 60 s after creation for statuses other than initiated/submitted, else null. */
  completedAt?: string | null;
  /** Default [] (an initiated verification has none yet). */
  checks?: CheckInput[];
  inquiryId?: string | null;
  countryCode?: string | null;
  attributes?: JsonObject;
}

const VERIFICATION_OPEN = new Set(['initiated', 'submitted']);

export function buildVerification(input: BuildVerificationInput): PersonaResource {
  const created = input.createdAt ?? DEFAULT_CREATED_AT;
  const submitted = input.status === 'initiated' ? null : plusSeconds(created, 30);
  const completed =
    input.completedAt !== undefined
      ? input.completedAt
      : VERIFICATION_OPEN.has(input.status)
        ? null
        : plusSeconds(created, 60);
  const attributes: JsonObject = {
    status: input.status,
    'created-at': created,
    'created-at-ts': toUnix(created),
    'submitted-at': submitted,
    'submitted-at-ts': submitted === null ? null : toUnix(submitted),
    'completed-at': completed,
    'completed-at-ts': completed === null ? null : toUnix(completed),
    'redacted-at': null,
    'country-code': input.countryCode === undefined ? 'US' : input.countryCode,
    tags: [],
    checks: (input.checks ?? []).map(buildCheck),
    ...typeSpecificAttributes(input.type, input.id),
    ...input.attributes,
  };
  return { type: input.type, id: input.id, attributes, relationships: verificationRelationships(input) };
}

export function buildCheck(check: CheckInput): JsonObject {
  return {
    name: check.name,
    status: check.status,
    reasons: check.reasons ?? [],
    requirement: check.requirement ?? 'required',
    metadata: check.metadata ?? {},
  };
}

function toUnix(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

function typeSpecificAttributes(type: string, id: string): JsonObject {
  if (type === 'verification/government-id') return governmentIdAttributes(id);
  if (type === 'verification/selfie') return selfieAttributes(id);
  if (type === 'verification/database') return databaseAttributes();
  return {};
}

function addressAttributes(): JsonObject {
  return {
    'address-street-1': FAKE_PII.addressStreet1,
    'address-street-2': FAKE_PII.addressStreet2,
    'address-city': FAKE_PII.addressCity,
    'address-subdivision': FAKE_PII.addressSubdivision,
    'address-postal-code': FAKE_PII.addressPostalCode,
  };
}

function governmentIdAttributes(id: string): JsonObject {
  const file = (name: string): string => `${FAKE_FILES}/${id}/${name}?access_token=fake`;
  return {
    'entity-confidence-reasons': [],
    'entity-confidence-score': 100,
    'front-photo-url': file('front.jpg'),
    'back-photo-url': file('back.jpg'),
    'photo-urls': [
      idPhoto('front', file, 316802),
      idPhoto('back', file, 298110),
    ],
    'selfie-photo': null,
    'selfie-photo-url': null,
    'video-url': null,
    'id-class': 'dl',
    'capture-method': 'upload',
    'name-first': FAKE_PII.nameFirst,
    'name-middle': FAKE_PII.nameMiddle,
    'name-last': FAKE_PII.nameLast,
    'name-suffix': null,
    'native-name-first': null,
    'native-name-middle': null,
    'native-name-last': null,
    'native-name-title': null,
    birthdate: FAKE_PII.birthdate,
    'issuing-authority': 'XX',
    'issuing-subdivision': 'XX',
    nationality: 'US',
    'document-number': FAKE_PII.documentNumber,
    'visa-status': null,
    'issue-date': '2020-01-01',
    'expiration-date': '2030-01-01',
    designations: [],
    birthplace: null,
    endorsements: null,
    height: null,
    sex: null,
    restrictions: null,
    'vehicle-class': 'C',
    'identification-number': FAKE_PII.identificationNumber,
    'from-reusable-persona': false,
    ...addressAttributes(),
  };
}

function idPhoto(page: string, file: (name: string) => string, byteSize: number): JsonObject {
  const name = `${page}.jpg`;
  return {
    page,
    url: file(name),
    'normalized-url': file(`${page}-normalized.jpg`),
    'original-urls': [],
    'byte-size': byteSize,
    filename: name,
  };
}

function selfieAttributes(id: string): JsonObject {
  const file = (name: string): string => `${FAKE_FILES}/${id}/${name}?access_token=fake`;
  const photo = (page: string, name: string): JsonObject => ({
    page,
    url: file(name),
    'byte-size': 102400,
    filename: name,
  });
  return {
    'capture-method': 'photo',
    'center-photo-face-coordinates': null,
    'center-photo-url': file('center.jpg'),
    'document-similarity-score': null,
    'entity-confidence-reasons': [],
    'left-photo-url': file('left.jpg'),
    'from-reusable-persona': false,
    'photo-urls': [
      photo('left_photo', 'left.jpg'),
      photo('center_photo', 'center.jpg'),
      photo('right_photo', 'right.jpg'),
    ],
    'right-photo-url': file('right.jpg'),
    'selfie-similarity-score-left': 0.97,
    'selfie-similarity-score-right': 0.96,
    'video-url': null,
  };
}

function databaseAttributes(): JsonObject {
  return {
    'name-first': FAKE_PII.nameFirst,
    'name-middle': FAKE_PII.nameMiddle,
    'name-last': FAKE_PII.nameLast,
    birthdate: FAKE_PII.birthdate,
    'phone-number': FAKE_PII.phoneNumber,
    'email-address': FAKE_PII.emailAddress,
    ...addressAttributes(),
    'normalized-address-street-1': FAKE_PII.addressStreet1.toUpperCase(),
    'normalized-address-street-2': FAKE_PII.addressStreet2.toUpperCase(),
    'normalized-address-city': FAKE_PII.addressCity.toUpperCase(),
    'normalized-address-subdivision': 'XX',
    'normalized-address-postal-code': FAKE_PII.addressPostalCode,
    'identification-number': FAKE_PII.identificationNumber,
    'document-number': null,
    'document-issuing-date': null,
    'document-expiry-date': null,
    'document-issuing-subdivision': null,
  };
}

function verificationRelationships(input: BuildVerificationInput): JsonObject {
  const suffix = suffixOf(input.id);
  const kind = input.type.replace(/^verification\//, '');
  const inquiryId = input.inquiryId ?? null;
  const relationships: JsonObject = {
    inquiry: inquiryId === null ? { data: null } : link('inquiry', inquiryId),
    template: { data: null },
    'inquiry-template': inquiryId === null ? { data: null } : link('inquiry-template', `itmpl_${suffixOf(inquiryId)}`),
    'inquiry-template-version':
      inquiryId === null ? { data: null } : link('inquiry-template-version', `itmplv_${suffixOf(inquiryId)}`),
    transaction: { data: null },
    'verification-template': link(`verification-template/${kind}`, `vtmpl_${suffix}`),
    'verification-template-version': link(`verification-template-version/${kind}`, `vtmplv_${suffix}`),
    accounts: { data: [] },
  };
  if (input.type === 'verification/government-id') {
    relationships.document = link('document/government-id', `doc_${suffix}`);
  }
  return relationships;
}

// ----------------------------------------------------------------------------------------------------- reports

export interface BuildReportInput {
  id: string; // rep_…
  type: 'report/watchlist' | 'report/politically-exposed-person' | 'report/adverse-media' | (string & {});
  status: string; // pending | ready | errored | …
  /** Omitted from the attributes when undefined, as on a pending report. */
  hasMatch?: boolean;
  inquiryId?: string | null;
  createdAt?: string;
  completedAt?: string | null;
  attributes?: JsonObject;
}

export function buildReport(input: BuildReportInput): PersonaResource {
  const created = input.createdAt ?? DEFAULT_CREATED_AT;
  const completed =
    input.completedAt !== undefined
      ? input.completedAt
      : input.status === 'pending'
        ? null
        : plusSeconds(created, 5);
  const matched = input.hasMatch === true;
  const attributes: JsonObject = {
    status: input.status,
    'created-at': created,
    'completed-at': completed,
    'redacted-at': null,
    'report-template-version-name': 'v1',
    ...(input.hasMatch === undefined ? {} : { 'has-match': input.hasMatch }),
    'is-continuous': false,
    'is-recurring': false,
    tags: [],
    ...reportSpecificAttributes(input.type, matched),
    ...input.attributes,
  };
  const suffix = suffixOf(input.id);
  const inquiryId = input.inquiryId ?? null;
  return {
    type: input.type,
    id: input.id,
    attributes,
    relationships: {
      inquiry: inquiryId === null ? { data: null } : link('inquiry', inquiryId),
      account: inquiryId === null ? { data: null } : link('account', `act_${suffixOf(inquiryId)}`),
      transaction: { data: null },
      'report-template': link(input.type.replace(/^report\//, 'report-template/'), `rptp_${suffix}`),
    },
  };
}

function reportSpecificAttributes(type: string, matched: boolean): JsonObject {
  const name = { 'name-first': FAKE_PII.nameFirst, 'name-middle': FAKE_PII.nameMiddle, 'name-last': FAKE_PII.nameLast };
  const term = fullName();
  if (type === 'report/watchlist') {
    return {
      ...name,
      term,
      birthdate: FAKE_PII.birthdate,
      'country-code': 'US',
      'matched-lists': matched ? [watchlistMatch()] : [],
      'ignore-list': [],
    };
  }
  if (type === 'report/politically-exposed-person') {
    const query = { ...name, term, birthdate: FAKE_PII.birthdate, 'country-code': 'US' };
    return { query, result: matched ? [pepMatch()] : [], 'ignore-list': [] };
  }
  if (type === 'report/adverse-media') {
    return {
      ...name,
      term,
      'birthdate-year': Number(FAKE_PII.birthdate.slice(0, 4)),
      birthdate: FAKE_PII.birthdate,
      'country-code': 'US',
      'related-sources': matched ? [adverseMediaMatch()] : [],
      'ignore-list-media': {},
      'ignore-list-entity': [],
    };
  }
  return {};
}

function watchlistMatch(): JsonObject {
  const [year, month, day] = FAKE_PII.birthdate.split('-');
  return {
    name: 'Fictional Sanctions List',
    url: 'https://sanctions.example.invalid/list',
    'list-type': 'sanction',
    'list-types': ['sanction'],
    slug: 'fictional-sanctions',
    'flag-code': 'XX',
    entities: [
      {
        name: fullName(),
        'alias-type': 'primary_name',
        birthdates: [{ day: day ?? '', month: month ?? '', year: year ?? '', granularity: 'day' }],
      },
    ],
  };
}

function pepMatch(): JsonObject {
  return {
    'entity-id': 'FAKEPEP0001',
    name: fullName(),
    birthdates: [FAKE_PII.birthdate],
    'death-dates': [],
    locations: [FAKE_PII.addressCity],
    country: 'Fakeland',
    sex: null,
    topics: ['PEP'],
    positions: [
      {
        'pep-class': 'pep-class-1',
        'source-key': 'fictional-parliament',
        name: 'Member of Fictional Parliament',
        topics: [],
        'start-date': '2001-01-01',
        'end-date': null,
      },
    ],
    associates: [],
    affiliations: [],
    'related-urls': [],
    images: [],
    sources: {},
    'match-types': ['name_exact'],
    'pep-type': 'pep-class-1',
  };
}

function adverseMediaMatch(): JsonObject {
  return {
    akas: [],
    birthdates: [FAKE_PII.birthdate],
    'match-types': ['name_exact'],
    media: [
      {
        date: '2020-05-05',
        snippet: `${fullName()} appears in a fictional article.`,
        url: 'https://news.example.invalid/a',
        title: 'Fictional headline',
      },
    ],
    name: fullName(),
    sources: [{ 'country-codes': ['XX'], name: 'Adverse Media', types: ['adverse-media-v2-other-minor'] }],
    'entity-id': 'FAKEAM0001',
  };
}
