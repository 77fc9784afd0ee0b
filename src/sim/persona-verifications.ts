import { FAKE_PII, FAKE_FILES, DEFAULT_CREATED_AT, suffixOf, plusSeconds, link, toUnix } from './persona-objects.js';
import type { JsonObject, PersonaResource } from './persona-objects.js';

/**
 * Verification objects (government ID, selfie, database, any other type) as Persona serves them. Output validates against vendor/persona-openapi
 * (see persona-objects.ts for the conventions: fake PII in every personal slot, times derived from createdAt).
 */
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

function buildCheck(check: CheckInput): JsonObject {
  return {
    name: check.name,
    status: check.status,
    reasons: check.reasons ?? [],
    requirement: check.requirement ?? 'required',
    metadata: check.metadata ?? {},
  };
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
    'photo-urls': [idPhoto('front', file, 316802), idPhoto('back', file, 298110)],
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
