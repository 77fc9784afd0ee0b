import { describe, expect, it } from 'vitest';
import { parseAttemptHeaders, parsePersonaEvent } from '../../src/persona/webhook-event.js';
import type { PersonaWebhookEvent } from '../../src/persona/webhook-event.js';
import {
  DEFAULT_EVENT_CREATED_AT,
  DEFAULT_EVENT_ID,
  DEFAULT_INQUIRY_ID,
  FAKE_PII,
  buildInquiryEventBody,
  inflectKeys,
} from '../helpers/persona-webhook.js';
import type { KeyInflection } from '../helpers/persona-webhook.js';

type Json = Record<string, unknown>;

const expectedEvent: PersonaWebhookEvent = {
  eventId: DEFAULT_EVENT_ID,
  name: 'inquiry.completed',
  createdAt: DEFAULT_EVENT_CREATED_AT,
  objectType: 'inquiry',
  objectId: DEFAULT_INQUIRY_ID,
  inquiryId: DEFAULT_INQUIRY_ID,
};

/** A mutable copy of the kebab fixture, so a test can delete or break one field. */
function kebabBody(): Json {
  return structuredClone(buildInquiryEventBody()) as Json;
}

function at(body: Json, path: string[]): Json {
  return path.reduce<Json>((node, key) => node[key] as Json, body);
}

function verificationPassedBody(inflection: KeyInflection = 'kebab'): object {
  const body = {
    data: {
      type: 'event',
      id: 'evt_Verification000000000001',
      attributes: {
        name: 'verification.passed',
        'created-at': '2026-01-01T00:04:00.000Z',
        payload: {
          data: {
            type: 'verification/government-id',
            id: 'ver_Passed0000000000000000001',
            attributes: { status: 'passed', 'name-first': FAKE_PII.nameFirst },
            relationships: {
              inquiry: { data: { type: 'inquiry', id: 'inq_Related00000000000000001' } },
              'inquiry-template': { data: { type: 'inquiry-template', id: 'itmpl_x' } },
            },
          },
        },
      },
    },
  };
  return inflectKeys(body, inflection);
}

describe('parsePersonaEvent', () => {
  it.each<KeyInflection>(['kebab', 'camel', 'snake'])(
    'parses a %s-inflected inquiry.completed body to the same event',
    (inflection) => {
      expect(parsePersonaEvent(buildInquiryEventBody({ inflection }))).toEqual({ ok: true, event: expectedEvent });
    },
  );

  it('reads created-at from the camel and snake spellings of the key', () => {
    expect(JSON.stringify(buildInquiryEventBody({ inflection: 'camel' }))).toContain('"createdAt"');
    expect(JSON.stringify(buildInquiryEventBody({ inflection: 'snake' }))).toContain('"created_at"');
  });

  it('normalizes created-at with a UTC offset to ISO-8601 in UTC', () => {
    const result = parsePersonaEvent(buildInquiryEventBody({ createdAt: '2026-01-01T02:05:00+02:00' }));
    expect(result).toMatchObject({ ok: true, event: { createdAt: '2026-01-01T00:05:00.000Z' } });
  });

  const missing: Array<{ path: string[]; reason: string }> = [
    { path: ['data'], reason: 'data is required' },
    { path: ['data', 'type'], reason: 'data.type is required' },
    { path: ['data', 'id'], reason: 'data.id is required' },
    { path: ['data', 'attributes'], reason: 'data.attributes is required' },
    { path: ['data', 'attributes', 'name'], reason: 'data.attributes.name is required' },
    { path: ['data', 'attributes', 'created-at'], reason: 'data.attributes.created-at is required' },
    { path: ['data', 'attributes', 'payload'], reason: 'data.attributes.payload is required' },
    { path: ['data', 'attributes', 'payload', 'data'], reason: 'data.attributes.payload.data is required' },
    {
      path: ['data', 'attributes', 'payload', 'data', 'type'],
      reason: 'data.attributes.payload.data.type is required',
    },
    { path: ['data', 'attributes', 'payload', 'data', 'id'], reason: 'data.attributes.payload.data.id is required' },
  ];

  it.each(missing)('rejects a body without $reason', ({ path, reason }) => {
    const body = kebabBody();
    const parent = at(body, path.slice(0, -1));
    delete parent[path.at(-1) ?? ''];
    expect(parsePersonaEvent(body)).toEqual({ ok: false, reason });
  });

  const invalid: Array<{ label: string; path: string[]; value: unknown; reason: string }> = [
    {
      label: 'an envelope that is not an event',
      path: ['data', 'type'],
      value: 'inquiry',
      reason: 'data.type must be "event"',
    },
    { label: 'an empty event id', path: ['data', 'id'], value: '', reason: 'data.id must not be empty' },
    { label: 'a numeric event id', path: ['data', 'id'], value: 42, reason: 'data.id must be a string' },
    {
      label: 'an overlong event id',
      path: ['data', 'id'],
      value: `evt_${'x'.repeat(300)}`,
      reason: 'data.id is too long',
    },
    {
      label: 'a null event name',
      path: ['data', 'attributes', 'name'],
      value: null,
      reason: 'data.attributes.name must be a string',
    },
    {
      label: 'an unparseable created-at',
      path: ['data', 'attributes', 'created-at'],
      value: 'yesterday',
      reason: 'data.attributes.created-at must be an ISO-8601 date-time',
    },
    {
      label: 'a created-at without a time zone',
      path: ['data', 'attributes', 'created-at'],
      value: '2026-01-01T00:05:00',
      reason: 'data.attributes.created-at must be an ISO-8601 date-time',
    },
    {
      label: 'a created-at with month 13',
      path: ['data', 'attributes', 'created-at'],
      value: '2026-13-01T00:05:00Z',
      reason: 'data.attributes.created-at must be an ISO-8601 date-time',
    },
    {
      label: 'a payload that is an array',
      path: ['data', 'attributes', 'payload'],
      value: [],
      reason: 'data.attributes.payload must be an object',
    },
    {
      label: 'an inquiry event whose payload is not an inquiry',
      path: ['data', 'attributes', 'payload', 'data', 'type'],
      value: 'verification/selfie',
      reason: 'data.attributes.payload.data.type must be "inquiry" for an inquiry.* event',
    },
  ];

  it.each(invalid)('rejects $label with a reason naming the field', ({ path, value, reason }) => {
    const body = kebabBody();
    at(body, path.slice(0, -1))[path.at(-1) ?? ''] = value;
    expect(parsePersonaEvent(body)).toEqual({ ok: false, reason });
  });

  it.each([null, 'text', 42, []])('rejects a body that is not an object (%j)', (body) => {
    expect(parsePersonaEvent(body)).toEqual({ ok: false, reason: 'body must be an object' });
  });

  it('never echoes a field value in the reason', () => {
    const body = kebabBody();
    at(body, ['data', 'attributes'])['created-at'] = FAKE_PII.email;
    const result = parsePersonaEvent(body);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(FAKE_PII.email);
  });

  it.each<KeyInflection>(['kebab', 'camel', 'snake'])(
    'takes the inquiry id of a %s verification event from relationships.inquiry',
    (inflection) => {
      expect(parsePersonaEvent(verificationPassedBody(inflection))).toEqual({
        ok: true,
        event: {
          eventId: 'evt_Verification000000000001',
          name: 'verification.passed',
          createdAt: '2026-01-01T00:04:00.000Z',
          objectType: 'verification/government-id',
          objectId: 'ver_Passed0000000000000000001',
          inquiryId: 'inq_Related00000000000000001',
        },
      });
    },
  );

  it('gives a null inquiry id when a non-inquiry object has no inquiry relationship', () => {
    const body = structuredClone(verificationPassedBody()) as Json;
    delete at(body, ['data', 'attributes', 'payload', 'data', 'relationships']).inquiry;
    expect(parsePersonaEvent(body)).toMatchObject({ ok: true, event: { inquiryId: null } });
  });

  it('gives a null inquiry id when the inquiry relationship is null or malformed instead of rejecting the event', () => {
    for (const linkage of [null, { type: 'inquiry' }, 'inq_x', { type: 'account', id: 'act_1' }]) {
      const body = structuredClone(verificationPassedBody()) as Json;
      at(body, ['data', 'attributes', 'payload', 'data', 'relationships', 'inquiry']).data = linkage;
      expect(parsePersonaEvent(body)).toMatchObject({ ok: true, event: { inquiryId: null } });
    }
  });

  it.each([
    ['an event id with a NUL byte', 'evt_bad\u0000id', 'inq_ok'],
    ['an inquiry id with dots (it must fit the /decisions/:inquiryId path)', 'evt_ok', 'inq.with.dots'],
    ['an inquiry id of ..', 'evt_ok', '..'],
  ])('rejects %s', (_name, eventId, inquiryId) => {
    const result = parsePersonaEvent(buildInquiryEventBody({ eventId, inquiryId }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('must be letters, digits, - or _');
  });

  it('accepts an unknown event name and unknown extra attributes', () => {
    const body = kebabBody();
    const attributes = at(body, ['data', 'attributes']);
    attributes.name = 'case.something-new';
    attributes['brand-new-attribute'] = { nested: true };
    at(body, ['data', 'attributes', 'payload', 'data']).type = 'case';
    expect(parsePersonaEvent(body)).toMatchObject({
      ok: true,
      event: { name: 'case.something-new', objectType: 'case' },
    });
  });

  it('accepts every inquiry event name the fixture builder knows', () => {
    for (const name of ['inquiry.approved', 'inquiry.declined', 'inquiry.marked-for-review', 'inquiry.failed']) {
      expect(parsePersonaEvent(buildInquiryEventBody({ name }))).toMatchObject({ ok: true, event: { name } });
    }
  });
});

describe('parseAttemptHeaders', () => {
  it('reads the three Persona delivery headers', () => {
    expect(
      parseAttemptHeaders({
        'persona-webhook-attempts-made': '2',
        'persona-webhook-attempts-left': '6',
        'persona-webhook-first-attempted-at': '1767225600',
      }),
    ).toEqual({ attemptsMade: 2, attemptsLeft: 6, firstAttemptedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('returns nulls when the headers are absent', () => {
    expect(parseAttemptHeaders({})).toEqual({ attemptsMade: null, attemptsLeft: null, firstAttemptedAt: null });
  });

  it.each(['', 'abc', '-1', '1.5', '1e3', '9'.repeat(20)])('treats %j as unknown rather than failing', (value) => {
    expect(
      parseAttemptHeaders({
        'persona-webhook-attempts-made': value,
        'persona-webhook-attempts-left': value,
        'persona-webhook-first-attempted-at': value,
      }),
    ).toEqual({ attemptsMade: null, attemptsLeft: null, firstAttemptedAt: null });
  });

  it('takes the first value of a repeated header and matches names case-insensitively', () => {
    expect(
      parseAttemptHeaders({ 'Persona-Webhook-Attempts-Made': ['3', '4'], 'persona-webhook-attempts-left': ' 5 ' }),
    ).toEqual({ attemptsMade: 3, attemptsLeft: 5, firstAttemptedAt: null });
  });
});
