import { signPersonaPayload } from '../../src/persona/signature.js';

/**
 * Realistic Persona webhook bodies and signed requests for tests. The body mirrors Persona's official example
 * `components/examples/inquiry-completed-webhook-body` (persona-openapi 2025-12-08) and, in kebab case, validates
 * against the `inquiry.completed` webhook schema (see test/unit/webhook-fixture-schema.test.ts). All personal data
 * is fake: example.test addresses, TEST-NET IPs, a 555 phone number.
 */
export type KeyInflection = 'kebab' | 'camel' | 'snake';

export interface InquiryEventOptions {
  eventId?: string;
  inquiryId?: string;
  name?: string;
  createdAt?: string;
  inflection?: KeyInflection;
  /** Linked as `verification/government-id`. */
  verificationIds?: string[];
}

export const DEFAULT_EVENT_ID = 'evt_TestEvent0000000000000001';
export const DEFAULT_INQUIRY_ID = 'inq_TestInquiry000000000000001';
const DEFAULT_VERIFICATION_ID = 'ver_TestVerification00000001';
export const DEFAULT_EVENT_CREATED_AT = '2026-01-01T00:05:00.100Z';

/** Values planted in the fixture so tests can assert that none of them ever reaches a log line. */
export const FAKE_PII = {
  nameFirst: 'Testfirstname',
  nameLast: 'Testlastname',
  street: '742 Fixture Lane',
  birthdate: '1990-01-02',
  email: 'pii-probe@example.test',
  phone: '+1-555-0100',
  identificationNumber: 'PIIPROBE123',
  ipAddress: '192.0.2.44',
} as const;

const INQUIRY_STATUS_BY_EVENT: Record<string, string> = {
  'inquiry.created': 'created',
  'inquiry.started': 'pending',
  'inquiry.completed': 'completed',
  'inquiry.failed': 'failed',
  'inquiry.expired': 'expired',
  'inquiry.marked-for-review': 'needs_review',
  'inquiry.approved': 'approved',
  'inquiry.declined': 'declined',
};

const TEMPLATE_ID = 'itmpl_TestTemplate00000000001';
const TEMPLATE_VERSION_ID = 'itmplv_TestTemplateVersion0001';
const SESSION_ID = 'iqse_TestSession000000000001';

export function buildInquiryEventBody(opts: InquiryEventOptions = {}): object {
  const name = opts.name ?? 'inquiry.completed';
  const inquiryId = opts.inquiryId ?? DEFAULT_INQUIRY_ID;
  const body = {
    data: {
      type: 'event',
      id: opts.eventId ?? DEFAULT_EVENT_ID,
      attributes: {
        name,
        payload: {
          data: inquiryObject(inquiryId, name, opts.verificationIds ?? [DEFAULT_VERIFICATION_ID]),
          included: includedObjects(inquiryId),
        },
        'created-at': opts.createdAt ?? DEFAULT_EVENT_CREATED_AT,
      },
    },
  };
  return inflectKeys(body, opts.inflection ?? 'kebab');
}

function inquiryObject(id: string, eventName: string, verificationIds: string[]): object {
  const status = INQUIRY_STATUS_BY_EVENT[eventName] ?? 'completed';
  const decided = status === 'approved' || status === 'declined';
  return {
    type: 'inquiry',
    id,
    attributes: {
      status,
      'reference-id': 'user-test-0001',
      note: null,
      behaviors: {
        'request-spoof-attempts': 0,
        'user-agent-spoof-attempts': 0,
        'api-version-less-than-minimum-count': 0,
      },
      tags: [],
      creator: 'API',
      'reviewer-comment': null,
      'created-at': '2026-01-01T00:00:00.000Z',
      'updated-at': '2026-01-01T00:05:00.000Z',
      'started-at': '2026-01-01T00:01:00.000Z',
      'expires-at': null,
      'completed-at': status === 'created' || status === 'pending' ? null : '2026-01-01T00:05:00.000Z',
      'failed-at': status === 'failed' ? '2026-01-01T00:05:00.000Z' : null,
      'marked-for-review-at': status === 'needs_review' ? '2026-01-01T00:05:00.000Z' : null,
      'decisioned-at': decided ? '2026-01-01T00:05:00.000Z' : null,
      'expired-at': status === 'expired' ? '2026-01-01T00:05:00.000Z' : null,
      'redacted-at': null,
      'previous-step-name': 'verification_selfie',
      'next-step-name': 'success',
      fields: fakeFields(),
    },
    relationships: inquiryRelationships(id, verificationIds),
  };
}

function fakeFields(): Record<string, { type: string; value: string | null }> {
  const text = (value: string | null) => ({ type: 'string', value });
  return {
    'name-first': text(FAKE_PII.nameFirst),
    'name-middle': text(null),
    'name-last': text(FAKE_PII.nameLast),
    'address-street-1': text(FAKE_PII.street),
    'address-street-2': text(null),
    'address-city': text('Testville'),
    'address-subdivision': text('California'),
    'address-postal-code': text('94111'),
    'address-country-code': text('US'),
    birthdate: { type: 'date', value: FAKE_PII.birthdate },
    'email-address': text(FAKE_PII.email),
    'phone-number': text(FAKE_PII.phone),
    'identification-number': text(FAKE_PII.identificationNumber),
  };
}

function inquiryRelationships(inquiryId: string, verificationIds: string[]): object {
  return {
    account: { data: { type: 'account', id: `act_${inquiryId.slice(4)}` } },
    template: { data: null },
    'inquiry-template': { data: { type: 'inquiry-template', id: TEMPLATE_ID } },
    'inquiry-template-version': { data: { type: 'inquiry-template-version', id: TEMPLATE_VERSION_ID } },
    transaction: { data: null },
    reviewer: { data: null },
    reports: { data: [] },
    verifications: { data: verificationIds.map((id) => ({ type: 'verification/government-id', id })) },
    sessions: { data: [{ type: 'inquiry-session', id: SESSION_ID }] },
    documents: { data: [] },
    selfies: { data: [] },
  };
}

function includedObjects(inquiryId: string): object[] {
  const templateLink = { data: { type: 'inquiry-template', id: TEMPLATE_ID } };
  return [
    {
      type: 'inquiry-template',
      id: TEMPLATE_ID,
      attributes: { status: 'active', name: 'Test KYC Template' },
      relationships: {
        'latest-published-version': { data: { type: 'inquiry-template-version', id: TEMPLATE_VERSION_ID } },
      },
    },
    {
      type: 'inquiry-template-version',
      id: TEMPLATE_VERSION_ID,
      attributes: { status: 'published', 'name-display': 'Test KYC Flow' },
      relationships: { 'inquiry-template': templateLink },
    },
    {
      type: 'inquiry-session',
      id: SESSION_ID,
      attributes: sessionAttributes(),
      relationships: { inquiry: { data: { type: 'inquiry', id: inquiryId } } },
    },
  ];
}

function sessionAttributes(): Record<string, unknown> {
  return {
    status: 'expired',
    'created-at': '2026-01-01T00:01:00.000Z',
    'started-at': '2026-01-01T00:01:00.000Z',
    'expired-at': '2026-01-01T00:05:00.000Z',
    'ip-address': FAKE_PII.ipAddress,
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) persona-decider-tests',
    'os-name': 'Linux',
    'os-full-version': '6.1',
    'device-type': 'desktop',
    'device-name': null,
    'browser-name': 'Firefox',
    'browser-full-version': '128.0',
    'mobile-sdk-name': null,
    'mobile-sdk-full-version': null,
    'device-handoff-method': null,
    'is-proxy': false,
    'is-tor': false,
    'is-datacenter': false,
    'is-vpn': false,
    'threat-level': 'low',
    'country-code': 'US',
    'country-name': 'United States',
    'region-code': 'CA',
    'region-name': 'California',
    latitude: 37.7749,
    longitude: -122.4194,
  };
}

/**
 * A report event (`report/<type>.<action>`) as Persona sends it: `payload.data` is the report object itself, linked
 * to its inquiry (or, for account-level monitoring, to an account only). Shape: OAS `webhooks/report_*.yaml`.
 */
export function buildReportEventBody(opts: {
  eventId: string;
  name: string;
  report: { type: string; id: string; attributes: object; relationships: object };
  createdAt?: string;
}): object {
  return {
    data: {
      type: 'event',
      id: opts.eventId,
      attributes: {
        name: opts.name,
        payload: { data: opts.report, included: [] },
        'created-at': opts.createdAt ?? DEFAULT_EVENT_CREATED_AT,
      },
    },
  };
}

/**
 * Re-keys a kebab body the way Persona does for a webhook configured with camel or snake inflection: every key
 * except the keys of an inquiry's `fields` map, which Persona never inflects (API 2025-10-27 and later).
 */
export function inflectKeys<T>(value: T, inflection: KeyInflection, parentKey?: string): T {
  if (inflection === 'kebab') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => inflectKeys(item, inflection)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, child]) => {
    const renamed = parentKey === 'fields' ? key : renameKey(key, inflection);
    return [renamed, inflectKeys(child, inflection, key)];
  });
  return Object.fromEntries(entries) as T;
}

function renameKey(key: string, inflection: 'camel' | 'snake'): string {
  return inflection === 'snake'
    ? key.replaceAll('-', '_')
    : key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export interface SignedWebhookOptions {
  secrets: string[];
  timestampSeconds: number;
  /** 1 for a first delivery; Persona makes at most 8 attempts (https://docs.withpersona.com/webhooks). */
  attemptsMade?: number;
  firstAttemptedAtSeconds?: number;
}

const MAX_ATTEMPTS = 8;

/** The exact bytes and headers Persona would POST (https://docs.withpersona.com/quickstart-webhooks, Step 6). */
export function signedWebhookRequest(
  body: object | string,
  opts: SignedWebhookOptions,
): { payload: string; headers: Record<string, string> } {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const attemptsMade = opts.attemptsMade ?? 1;
  return {
    payload,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'persona-signature': signPersonaPayload(payload, opts.secrets, opts.timestampSeconds),
      'persona-webhook-attempts-made': String(attemptsMade),
      'persona-webhook-attempts-left': String(Math.max(0, MAX_ATTEMPTS - attemptsMade)),
      'persona-webhook-first-attempted-at': String(opts.firstAttemptedAtSeconds ?? opts.timestampSeconds),
    },
  };
}
