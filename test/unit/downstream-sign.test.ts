import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signStandardWebhook, standardWebhookHeaders, toSigningKey } from '../../src/downstream/sign.js';

// The published Standard Webhooks / Svix reference vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampSeconds: 1614265330,
  body: '{"test": 2432232314}',
};
const VECTOR_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const NOW_SECONDS = 1_767_225_600; // 2026-01-01T00:00:00Z
const SECRET = `whsec_${Buffer.from('a-32-byte-secret-for-the-tests!!').toString('base64')}`;

// The reference verifier checks the timestamp against the wall clock; pin Date only (timers stay real).
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_SECONDS * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

function signed(body: string, webhookId = 'msg_1', timestampSeconds = NOW_SECONDS): Record<string, string> {
  return standardWebhookHeaders({ secret: SECRET, webhookId, timestampSeconds, body });
}

function verify(body: string, headers: Record<string, string>, secret = SECRET): unknown {
  return new Webhook(secret).verify(body, headers, { jsonParse: false });
}

describe('signStandardWebhook', () => {
  it('reproduces the Standard Webhooks reference signature', () => {
    expect(signStandardWebhook(VECTOR)).toBe(VECTOR_SIGNATURE);
  });

  it('accepts the secret with or without the whsec_ prefix', () => {
    expect(signStandardWebhook({ ...VECTOR, secret: VECTOR.secret.slice('whsec_'.length) })).toBe(VECTOR_SIGNATURE);
  });

  it.each([
    ['a decision payload', '{"type":"decision.created","data":{"outcome":"approved"}}'],
    ['accents and CJK', '{"note":"Zoë Ångström 山田太郎"}'],
    ['emoji beyond the BMP', '{"note":"👩🏽‍💻 ✅"}'],
    ['escaped unicode and newlines', '{\n  "a": "\\u00e9",\n  "b": "line\\nbreak"\n}'],
    ['an empty body', ''],
  ])('produces headers the standardwebhooks library accepts for %s', (_name, body) => {
    expect(() => verify(body, signed(body))).not.toThrow();
  });

  it('agrees with the standardwebhooks library for any body and id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ minLength: 1, unit: 'grapheme' }), (body, webhookId) => {
        expect(() => verify(body, signed(body, webhookId))).not.toThrow();
      }),
    );
  });

  it.each<[string, (h: Record<string, string>) => [string, Record<string, string>]]>([
    ['a tampered body', (h) => ['{"outcome":"declined"}', h]],
    ['a whitespace-changed body', (h) => ['{"outcome": "approved"}', h]],
    ['a swapped webhook-id', (h) => ['{"outcome":"approved"}', { ...h, 'webhook-id': 'msg_2' }]],
    ['a shifted timestamp', (h) => ['{"outcome":"approved"}', { ...h, 'webhook-timestamp': String(NOW_SECONDS + 1) }]],
  ])('is rejected by the library for %s', (_name, tamper) => {
    const [body, headers] = tamper(signed('{"outcome":"approved"}'));
    expect(() => verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('is rejected by the library under a different secret', () => {
    const other = `whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}`;
    expect(() => verify('{}', signed('{}'), other)).toThrow(WebhookVerificationError);
  });

  it.each(['', 'whsec_', 'whsec_not base64!', 'whsec_===='])('refuses the malformed secret %j', (secret) => {
    expect(() => toSigningKey(secret)).toThrow(TypeError);
  });

  it.each([1.5, -1, Number.NaN])('refuses the non-integer or negative timestamp %s', (timestampSeconds) => {
    expect(() => signStandardWebhook({ ...VECTOR, timestampSeconds })).toThrow(RangeError);
  });
});

describe('standardWebhookHeaders', () => {
  it('sets exactly the Standard Webhooks headers and a JSON content type', () => {
    expect(standardWebhookHeaders(VECTOR)).toEqual({
      'webhook-id': VECTOR.webhookId,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR_SIGNATURE,
      'content-type': 'application/json',
    });
  });
});
