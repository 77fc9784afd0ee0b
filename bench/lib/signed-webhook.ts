import type { RequestDefinition } from 'autocannon';
import { signPersonaPayload } from '../../src/persona/signature.js';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';

const SUFFIX = 'TPLSUFFIX0';
const EVENT = 'evt_TPLEVENT0';

/**
 * autocannon requests for POST /webhooks/persona: every request is a fresh `inquiry.completed` event (its own
 * event id and all-passed inquiry id, so each one is stored and enqueued, never a duplicate), signed in
 * `setupRequest` exactly as Persona signs (`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`).
 * The body is the simulator's real envelope (~2.3 KB), templated once: ids are replaced per request.
 */
export function signedWebhookRequests(
  secret: string,
  runTag: string,
  /** The body carries the inquiry's verifications and reports (`payload.included`), ~10.7 KB instead of ~2.3 KB. */
  included = false,
): { requests: RequestDefinition[]; bodyBytes: number; firstInquiryId: string } {
  const event = buildInquiryEvent({
    inquiryId: inquiryIdFor('all-passed', SUFFIX),
    eventId: EVENT,
    included: included ? 'all' : 'none',
  });
  const template = JSON.stringify(event.body);
  let n = 0;
  const idFor = (i: number): string => `${runTag}n${i}`;
  const requests: RequestDefinition[] = [
    {
      method: 'POST',
      path: '/webhooks/persona',
      setupRequest: (request) => {
        const id = idFor(n);
        n += 1;
        const body = template.replaceAll(SUFFIX, id).replaceAll(EVENT, `evt_${id}`);
        const signature = signPersonaPayload(body, secret, Math.floor(Date.now() / 1000));
        return {
          ...request,
          method: 'POST',
          path: '/webhooks/persona',
          body,
          headers: { 'content-type': 'application/json; charset=utf-8', 'persona-signature': signature },
        };
      },
    },
  ];
  return { requests, bodyBytes: Buffer.byteLength(template), firstInquiryId: inquiryIdFor('all-passed', idFor(0)) };
}
