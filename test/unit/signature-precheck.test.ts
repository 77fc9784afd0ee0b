import { describe, expect, it } from 'vitest';
import { precheckPersonaSignature, signPersonaPayload } from '../../src/persona/signature.js';

const nowMs = Date.parse('2026-11-29T10:00:00.000Z');
const now = nowMs / 1000;
const window = { toleranceSeconds: 300, maxAgeSeconds: 3 * 24 * 3600, nowMs };
const sig = (t: number) => signPersonaPayload('{}', 'wbhsec_any', t);

describe('precheckPersonaSignature (no body, no secret)', () => {
  it.each([
    ['a fresh header', sig(now), { ok: true }],
    ['one older than the tolerance, within the maximum age', sig(now - 3600), { ok: true, ageSeconds: 3600 }],
    ['a rotation with one group in the window', `${sig(now - 4 * 24 * 3600)} ${sig(now)}`, { ok: true }],
    ['no header', undefined, { ok: false, reason: 'missing' }],
    ['a blank header', '  ', { ok: false, reason: 'missing' }],
    ['a header without v1', `t=${now}`, { ok: false, reason: 'malformed' }],
    ['a header of another scheme', 'sha256=abc', { ok: false, reason: 'malformed' }],
    ['one older than the maximum age', sig(now - 4 * 24 * 3600), { ok: false, reason: 'stale' }],
    ['one too far in the future', sig(now + 301), { ok: false, reason: 'future' }],
  ])('%s', (_name, header, expected) => {
    expect(precheckPersonaSignature({ header, ...window })).toEqual(expected);
  });

  it('checks no HMAC: any v1 passes when the header is well-formed and in the window', () => {
    expect(precheckPersonaSignature({ header: `t=${now},v1=${'0'.repeat(64)}`, ...window })).toEqual({ ok: true });
  });
});
