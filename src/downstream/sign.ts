import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, spec "Signature scheme"): the signed content is
 * `{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 keyed with the base64 part of a `whsec_` secret, sent
 * as `v1,<base64>`. Receivers verify with any Standard Webhooks library, so nothing here is bespoke.
 */
export interface StandardWebhookInput {
  /** `whsec_<base64>`; the prefix is optional, as in the reference libraries. */
  secret: string;
  webhookId: string;
  /** Unix seconds; a whole number, because receivers parse it as an integer. */
  timestampSeconds: number;
  body: string;
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes a signing secret into the HMAC key. Node's base64 decoder silently skips junk, which would turn a
 * mistyped secret into a different key; reject it instead so the mistake surfaces at startup.
 */
export function toSigningKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded)) throw new TypeError('signing secret must be whsec_ followed by base64');
  return Buffer.from(encoded, 'base64');
}

export function signStandardWebhook(input: StandardWebhookInput): string {
  if (!Number.isSafeInteger(input.timestampSeconds) || input.timestampSeconds < 0) {
    throw new RangeError(`timestampSeconds must be a non-negative integer, got ${input.timestampSeconds}`);
  }
  const signedContent = `${input.webhookId}.${input.timestampSeconds}.${input.body}`;
  const digest = createHmac('sha256', toSigningKey(input.secret)).update(signedContent, 'utf8').digest('base64');
  return `v1,${digest}`;
}

export function standardWebhookHeaders(input: StandardWebhookInput): Record<string, string> {
  return {
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signStandardWebhook(input),
    'content-type': 'application/json',
  };
}
