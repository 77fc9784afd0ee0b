import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'future' | 'mismatch';

/**
 * `ageSeconds` is set only on a signature older than the tolerance but within the maximum age (accepted, and worth
 * a warning: a retry signed long ago, or a clock far behind).
 */
export type SignatureResult = { ok: true; ageSeconds?: number } | { ok: false; reason: SignatureFailure };

/** When a signature may have been made, relative to now. */
export interface SignatureWindow {
  /** Allowed distance from now in the future (clock skew), and in the past unless `maxAgeSeconds` says more. */
  toleranceSeconds: number;
  /** Oldest signature accepted (default: the tolerance). */
  maxAgeSeconds?: number;
  nowMs: number;
}

export interface SignatureGroup {
  /** `t` exactly as sent: the HMAC covers these characters, not a re-formatted number. */
  timestamp: string;
  timestampSeconds: number;
  signatureHex: string;
}

// Two groups during a rotation; a little headroom, but never an unbounded amount of HMAC work per request.
const MAX_GROUPS = 4;
const MAX_HEADER_LENGTH = 1024;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
const V1_PATTERN = /^[0-9a-f]{64}$/;
// Unknown `key=value` pairs are skipped (a future `v2` must not break intake); anything else is malformed.
const EXTRA_PAIR_PATTERN = /^[a-z][a-z0-9]*=[^,\s]+$/;

/**
 * Splits a `Persona-Signature` header into its `t=…,v1=…` groups; null when the header is malformed.
 *
 * Format: https://docs.withpersona.com/webhooks-best-practices ("Checking signatures"): `t=<unix seconds>,v1=<hex
 * HMAC-SHA256>`; while a secret rotation is in progress Persona sends two such groups separated by a space.
 */
export function parsePersonaSignatureHeader(header: string): SignatureGroup[] | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  const groups = header.trim().split(/\s+/);
  if (groups.length > MAX_GROUPS) return null;
  const parsed: SignatureGroup[] = [];
  for (const group of groups) {
    const one = parseGroup(group);
    if (one === null) return null;
    parsed.push(one);
  }
  return parsed;
}

function parseGroup(group: string): SignatureGroup | null {
  const seen = new Set<string>();
  let timestamp: string | undefined;
  let signature: string | undefined;
  for (const pair of group.split(',')) {
    const separator = pair.indexOf('=');
    if (separator <= 0) return null;
    const key = pair.slice(0, separator);
    if (seen.has(key)) return null;
    seen.add(key);
    const value = pair.slice(separator + 1);
    if (key === 't') timestamp = value;
    else if (key === 'v1') signature = value;
    else if (!EXTRA_PAIR_PATTERN.test(pair)) return null;
  }
  if (timestamp === undefined || !TIMESTAMP_PATTERN.test(timestamp)) return null;
  if (signature === undefined || !V1_PATTERN.test(signature)) return null;
  return { timestamp, timestampSeconds: Number(timestamp), signatureHex: signature };
}

/**
 * Verifies a Persona webhook signature over the raw request bytes.
 *
 * Scheme: https://docs.withpersona.com/webhooks-best-practices ("Checking signatures", "Parsing JSON when computing
 * HMACs") and https://docs.withpersona.com/quickstart-webhooks (Step 7): HMAC-SHA256 keyed with the webhook secret
 * over `<t>.<raw body>`, hex-encoded, compared in constant time. Persona publishes no timestamp tolerance, so the
 * caller chooses one: a future skew, and a maximum age in the past (Persona documents `t` as the send time, but not
 * whether its ~51 h of retries are signed anew; docs/persona-notes.md). Order of checks: format, then signature, then time, so a forged request never learns
 * anything about our clock and a genuine but old request is reported as `stale`, not `mismatch`.
 */
export function verifyPersonaSignature(
  input: SignatureWindow & { header: string | undefined; rawBody: Buffer; secrets: readonly string[] },
): SignatureResult {
  const groups = readGroups(input.header);
  if (!Array.isArray(groups)) return groups;
  // An empty secret would make the HMAC a public function: treat it as not configured.
  const secrets = input.secrets.filter((secret) => secret.length > 0);
  const matching = groups.filter((group) => secrets.some((secret) => signatureMatches(group, input.rawBody, secret)));
  if (matching.length === 0) return { ok: false, reason: 'mismatch' };
  const outcomes = checkTimestamps(matching, input);
  const fresh = outcomes.find((outcome) => outcome.ok && outcome.ageSeconds === undefined);
  return fresh ?? outcomes.find((outcome) => outcome.ok) ?? outcomes[0] ?? { ok: false, reason: 'mismatch' };
}

/**
 * What can be checked before the body is read: the header is there, well-formed, and one of its groups is signed
 * within the window. The webhook route runs this in `onRequest`, so an unauthenticated request costs no body read
 * and no HMAC; `verifyPersonaSignature` still checks the signature itself on the raw body. Checking time before the
 * signature tells a forger nothing it could not read from any answer's `Date` header, and every failure is the same
 * 401.
 */
export function precheckPersonaSignature(input: SignatureWindow & { header: string | undefined }): SignatureResult {
  const groups = readGroups(input.header);
  if (!Array.isArray(groups)) return groups;
  const outcomes = checkTimestamps(groups, input);
  return outcomes.find((outcome) => outcome.ok) ?? outcomes[0] ?? { ok: false, reason: 'malformed' };
}

/** The header's groups, or why there are none. */
function readGroups(header: string | undefined): SignatureGroup[] | { ok: false; reason: SignatureFailure } {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  return parsePersonaSignatureHeader(header) ?? { ok: false, reason: 'malformed' };
}

function checkTimestamps(groups: readonly SignatureGroup[], input: SignatureWindow): SignatureResult[] {
  const window = {
    toleranceSeconds: input.toleranceSeconds,
    maxAgeSeconds: input.maxAgeSeconds ?? input.toleranceSeconds,
  };
  return groups.map((group) => checkTimestamp(group.timestampSeconds, window, input.nowMs));
}

function signatureMatches(group: SignatureGroup, rawBody: Buffer, secret: string): boolean {
  const expected = computeSignature(secret, group.timestamp, rawBody);
  const received = Buffer.from(group.signatureHex, 'hex');
  // timingSafeEqual throws on unequal lengths; the length itself is public (always 32 bytes for SHA-256).
  return received.length === expected.length && timingSafeEqual(received, expected);
}

function checkTimestamp(
  timestampSeconds: number,
  window: { toleranceSeconds: number; maxAgeSeconds: number },
  nowMs: number,
): SignatureResult {
  const ageMs = nowMs - timestampSeconds * 1000;
  if (ageMs > window.maxAgeSeconds * 1000) return { ok: false, reason: 'stale' };
  if (ageMs < -window.toleranceSeconds * 1000) return { ok: false, reason: 'future' };
  if (ageMs > window.toleranceSeconds * 1000) return { ok: true, ageSeconds: Math.floor(ageMs / 1000) };
  return { ok: true };
}

function computeSignature(secret: string, timestamp: string, rawBody: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/**
 * Produces a `Persona-Signature` header value, exactly as Persona sends it: one `t=…,v1=…` group per secret, in the
 * order given (during a rotation Persona lists the new secret first). For tests and the simulator.
 */
export function signPersonaPayload(
  rawBody: Buffer | string,
  secrets: string | readonly string[],
  timestampSeconds: number,
): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new RangeError('signPersonaPayload needs at least one secret');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError('timestampSeconds must be a non-negative integer (unix seconds)');
  }
  const timestamp = String(timestampSeconds);
  return list
    .map((secret) => `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody).toString('hex')}`)
    .join(' ');
}
