import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parsePersonaSignatureHeader,
  signPersonaPayload,
  verifyPersonaSignature,
} from '../../src/persona/signature.js';
import type { SignatureResult } from '../../src/persona/signature.js';

const SECRET = 'wbhsec_current_secret';
const OLD_SECRET = 'wbhsec_previous_secret';
const T = 1_767_225_600; // 2026-01-01T00:00:00Z
const NOW_MS = T * 1000;
const TOLERANCE = 300;
const BODY = '{"data":{"type":"event","id":"evt_1","attributes":{"name":"inquiry.completed"}}}';

function verify(
  header: string | undefined,
  overrides: Partial<{ body: string | Buffer; secrets: string[]; nowMs: number }> = {},
): SignatureResult {
  const body = overrides.body ?? BODY;
  return verifyPersonaSignature({
    header,
    rawBody: typeof body === 'string' ? Buffer.from(body) : body,
    secrets: overrides.secrets ?? [SECRET],
    toleranceSeconds: TOLERANCE,
    nowMs: overrides.nowMs ?? NOW_MS,
  });
}

const valid = signPersonaPayload(BODY, SECRET, T);
const validHex = valid.slice(valid.indexOf('v1=') + 3);
const wrongGroup = signPersonaPayload(BODY, 'wbhsec_unknown_secret', T);

describe('verifyPersonaSignature', () => {
  const cases: Array<{
    name: string;
    header: string | undefined;
    expected: SignatureResult;
    body?: string;
    secrets?: string[];
    nowMs?: number;
  }> = [
    { name: 'accepts a header signed with the configured secret', header: valid, expected: { ok: true } },
    {
      name: 'accepts a rotation header whose first group is signed with an unknown secret and second with ours',
      header: `${wrongGroup} ${valid}`,
      expected: { ok: true },
    },
    {
      name: 'accepts a rotation header from Persona signed with the new and the old secret',
      header: signPersonaPayload(BODY, ['wbhsec_new_secret_not_yet_configured', OLD_SECRET], T),
      secrets: [SECRET, OLD_SECRET],
      expected: { ok: true },
    },
    {
      name: 'accepts a signature made with the second configured secret',
      header: signPersonaPayload(BODY, OLD_SECRET, T),
      secrets: [SECRET, OLD_SECRET],
      expected: { ok: true },
    },
    {
      name: 'rejects a header signed with a secret we do not hold',
      header: wrongGroup,
      expected: { ok: false, reason: 'mismatch' },
    },
    {
      name: 'rejects a body changed by one byte',
      header: valid,
      body: BODY.replace('evt_1', 'evt_2'),
      expected: { ok: false, reason: 'mismatch' },
    },
    {
      name: 'rejects a body whose whitespace was changed by re-serialization',
      header: valid,
      body: JSON.stringify(JSON.parse(BODY), null, 2),
      expected: { ok: false, reason: 'mismatch' },
    },
    {
      name: 'rejects a body with a trailing newline added',
      header: valid,
      body: `${BODY}\n`,
      expected: { ok: false, reason: 'mismatch' },
    },
    {
      name: 'rejects a correctly signed webhook sent more than 5 minutes ago as stale',
      header: valid,
      nowMs: NOW_MS + (TOLERANCE + 1) * 1000,
      expected: { ok: false, reason: 'stale' },
    },
    {
      name: 'rejects a correctly signed webhook timestamped more than 5 minutes in the future',
      header: valid,
      nowMs: NOW_MS - (TOLERANCE + 1) * 1000,
      expected: { ok: false, reason: 'future' },
    },
    {
      name: 'accepts a webhook exactly at the past tolerance edge',
      header: valid,
      nowMs: NOW_MS + TOLERANCE * 1000,
      expected: { ok: true },
    },
    {
      name: 'rejects a webhook one millisecond past the past tolerance edge',
      header: valid,
      nowMs: NOW_MS + TOLERANCE * 1000 + 1,
      expected: { ok: false, reason: 'stale' },
    },
    {
      name: 'accepts a webhook exactly at the future tolerance edge',
      header: valid,
      nowMs: NOW_MS - TOLERANCE * 1000,
      expected: { ok: true },
    },
    {
      name: 'rejects a webhook one millisecond beyond the future tolerance edge',
      header: valid,
      nowMs: NOW_MS - TOLERANCE * 1000 - 1,
      expected: { ok: false, reason: 'future' },
    },
    {
      name: 'reports a wrong signature as a mismatch even when its timestamp is stale',
      header: wrongGroup,
      nowMs: NOW_MS + 86_400_000,
      expected: { ok: false, reason: 'mismatch' },
    },
    {
      name: 'accepts a rotation header when only the fresh group matches',
      header: `${signPersonaPayload(BODY, SECRET, T - 3600)} ${valid}`,
      expected: { ok: true },
    },
    {
      name: 'rejects a request without the header as missing',
      header: undefined,
      expected: { ok: false, reason: 'missing' },
    },
    { name: 'rejects an empty header as missing', header: '', expected: { ok: false, reason: 'missing' } },
    { name: 'rejects a whitespace-only header as missing', header: '   ', expected: { ok: false, reason: 'missing' } },
    {
      name: 'rejects no secrets configured as a mismatch',
      header: valid,
      secrets: [],
      expected: { ok: false, reason: 'mismatch' },
    },
    {
      name: 'ignores an empty configured secret instead of accepting signatures made with it',
      header: signPersonaPayload(BODY, '', T),
      secrets: ['', SECRET],
      expected: { ok: false, reason: 'mismatch' },
    },
  ];

  it.each(cases)('$name', ({ header, expected, body, secrets, nowMs }) => {
    expect(verify(header, { body, secrets, nowMs })).toEqual(expected);
  });

  describe('with a maximum age beyond the tolerance (WEBHOOK_MAX_AGE_SECONDS)', () => {
    const MAX_AGE = 3 * 24 * 3600;
    const verifyAged = (nowMs: number, header = valid) =>
      verifyPersonaSignature({
        header,
        rawBody: Buffer.from(BODY),
        secrets: [SECRET],
        toleranceSeconds: TOLERANCE,
        maxAgeSeconds: MAX_AGE,
        nowMs,
      });

    it('accepts a signature older than the tolerance and says how old it is', () => {
      expect(verifyAged(NOW_MS + (TOLERANCE + 1) * 1000)).toStrictEqual({ ok: true, ageSeconds: TOLERANCE + 1 });
      expect(verifyAged(NOW_MS + MAX_AGE * 1000)).toStrictEqual({ ok: true, ageSeconds: MAX_AGE });
    });

    it('says nothing of the age within the tolerance', () => {
      expect(verifyAged(NOW_MS + TOLERANCE * 1000)).toStrictEqual({ ok: true });
    });

    it('rejects a signature one millisecond older than the maximum age as stale', () => {
      expect(verifyAged(NOW_MS + MAX_AGE * 1000 + 1)).toEqual({ ok: false, reason: 'stale' });
    });

    it('keeps the future skew at the tolerance', () => {
      expect(verifyAged(NOW_MS - (TOLERANCE + 1) * 1000)).toEqual({ ok: false, reason: 'future' });
    });

    it('prefers a fresh group over an old one during a rotation', () => {
      const fresh = signPersonaPayload(BODY, SECRET, T + 3600);
      const header = `${valid} ${fresh}`;
      expect(verifyAged(NOW_MS + 3600 * 1000, header)).toStrictEqual({ ok: true });
    });
  });

  const malformed: Array<[string, string]> = [
    ['a bare word', 'abc'],
    ['an empty timestamp', 't='],
    ['a timestamp without a signature', `t=${T}`],
    ['a signature without a timestamp', `v1=${validHex}`],
    ['an empty v1', `t=${T},v1=`],
    ['a duplicated t key', `t=${T},t=${T},v1=${validHex}`],
    ['a duplicated v1 key', `t=${T},v1=${validHex},v1=${validHex}`],
    ['a non-numeric timestamp', `t=abc,v1=${validHex}`],
    ['a negative timestamp', `t=-${T},v1=${validHex}`],
    ['a fractional timestamp', `t=${T}.5,v1=${validHex}`],
    ['an absurdly long timestamp', `t=${'9'.repeat(20)},v1=${validHex}`],
    ['uppercase hex', `t=${T},v1=${validHex.toUpperCase()}`],
    ['non-hex characters', `t=${T},v1=${'z'.repeat(64)}`],
    ['truncated hex', `t=${T},v1=${validHex.slice(0, 63)}`],
    ['an even but short hex', `t=${T},v1=${validHex.slice(0, 62)}`],
    ['over-long hex', `t=${T},v1=${validHex}00`],
    ['base64 instead of hex (the OAS placeholder style)', `t=${T},v1=n3ulUDfqYWRMQf0nnoNB3FbRA7QP8P6+kzHQU4cz+Y0=`],
    ['a pair without =', `t=${T},v1=${validHex},junk`],
    ['an empty pair', `t=${T},,v1=${validHex}`],
    ['spaces around =', `t = ${T}, v1 = ${validHex}`],
    ['five groups', Array.from({ length: 5 }, () => valid).join(' ')],
    ['one good group and one garbage group', `${valid} garbage`],
    ['a header longer than any real one', `${valid} ${'x'.repeat(2000)}`],
  ];

  it.each(malformed)('rejects a header with %s as malformed', (_label, header) => {
    expect(verify(header)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('tolerates an unknown extra signature scheme next to v1', () => {
    expect(verify(`${valid},v2=somethingnew`)).toEqual({ ok: true });
  });

  it('accepts the rotation groups separated by more than one space', () => {
    expect(verify(`${wrongGroup}  ${valid}`)).toEqual({ ok: true });
  });

  it('verifies the HMAC over the timestamp characters exactly as sent', () => {
    const paddedTimestamp = `0${T}`;
    const signedWithPadding = signPersonaPayload(BODY, SECRET, T).replace(`t=${T}`, `t=${paddedTimestamp}`);
    expect(verify(signedWithPadding)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects any single-bit flip of the body or of the signature hex', () => {
    const bodyBytes = Buffer.from(BODY);
    fc.assert(
      fc.property(fc.nat({ max: bodyBytes.length * 8 - 1 }), (bit) => {
        const tampered = Buffer.from(bodyBytes);
        tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        return verify(valid, { body: tampered }).ok === false;
      }),
    );
    fc.assert(
      fc.property(fc.nat({ max: 255 }), (bit) => {
        const signature = Buffer.from(validHex, 'hex');
        signature[bit >> 3] = (signature[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        const header = `t=${T},v1=${signature.toString('hex')}`;
        return verify(header).ok === false;
      }),
    );
  });

  it('rejects any signature made with a different secret', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((secret) => secret !== SECRET),
        (secret) => {
          return verify(signPersonaPayload(BODY, secret, T)).ok === false;
        },
      ),
    );
  });
});

describe('signPersonaPayload', () => {
  it('matches a vector computed independently with openssl', () => {
    // printf '%s' '1709686052.{"data":{"type":"event","id":"evt_vector"}}' \
    //   | openssl dgst -sha256 -hmac 'wbhsec_test_vector_secret'
    // (OpenSSL 3.0.19) → SHA2-256(stdin)= 2502a297ead40a245af47edfb4b97ed36909690c537d0b8ac5f03eb51151a26a
    const body = '{"data":{"type":"event","id":"evt_vector"}}';
    const header = signPersonaPayload(body, 'wbhsec_test_vector_secret', 1709686052);
    expect(header).toBe('t=1709686052,v1=2502a297ead40a245af47edfb4b97ed36909690c537d0b8ac5f03eb51151a26a');
    expect(
      verifyPersonaSignature({
        header,
        rawBody: Buffer.from(body),
        secrets: ['wbhsec_test_vector_secret'],
        toleranceSeconds: 300,
        nowMs: 1709686052 * 1000,
      }),
    ).toEqual({ ok: true });
  });

  it('signs a Buffer and the equivalent string identically', () => {
    expect(signPersonaPayload(Buffer.from(BODY), SECRET, T)).toBe(signPersonaPayload(BODY, SECRET, T));
  });

  it('emits one space-separated group per secret, in the order given', () => {
    const header = signPersonaPayload(BODY, [SECRET, OLD_SECRET], T);
    expect(header).toBe(`${signPersonaPayload(BODY, SECRET, T)} ${signPersonaPayload(BODY, OLD_SECRET, T)}`);
    expect(parsePersonaSignatureHeader(header)).toHaveLength(2);
  });

  it('refuses to sign without a secret or with a non-integer timestamp', () => {
    expect(() => signPersonaPayload(BODY, [], T)).toThrow(RangeError);
    expect(() => signPersonaPayload(BODY, SECRET, T + 0.5)).toThrow(RangeError);
    expect(() => signPersonaPayload(BODY, SECRET, -1)).toThrow(RangeError);
  });
});
