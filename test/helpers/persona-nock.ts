import nock from 'nock';
import { buildInquiry, buildInquiryResponse, type PersonaResource } from '../../src/sim/persona-objects.js';

/**
 * Persona faked with nock (the test context's PERSONA_API_URL is https://persona.test/api/v1). Apart from the other
 * helpers on purpose: importing nock switches its fetch interception on for the whole test file, and a test that
 * talks to real servers on loopback (the simulator) must not have it.
 */
export const PERSONA_ORIGIN = 'https://persona.test';
export const PERSONA_BASE = '/api/v1';

/** Persona's answer to GET /inquiries/{id}?include=verifications,reports for an inquiry with these objects. */
function inquiryDocument(inquiryId: string, included: PersonaResource[], inquiryStatus: string) {
  const links = (prefix: string) =>
    included.filter((r) => r.type.startsWith(prefix)).map((r) => ({ type: r.type, id: r.id }));
  const inquiry = buildInquiry({
    id: inquiryId,
    status: inquiryStatus,
    verifications: links('verification/'),
    reports: links('report/'),
  });
  return buildInquiryResponse(inquiry, included);
}

/** Intercepts one GET of the inquiry (with the include parameter Persona needs), answering with these objects. */
export function interceptInquiry(
  inquiryId: string,
  included: PersonaResource[],
  status = 200,
  /** Persona's status of the inquiry (completed, failed, approved, …). */
  inquiryStatus = 'completed',
) {
  return nock(PERSONA_ORIGIN)
    .get(`${PERSONA_BASE}/inquiries/${inquiryId}`)
    .query({ include: 'verifications,reports' })
    .reply(
      status,
      status === 200
        ? inquiryDocument(inquiryId, included, inquiryStatus)
        : { errors: [{ title: 'Record not found' }] },
      {
        'RateLimit-Limit': '300',
        'RateLimit-Remaining': '299',
        'RateLimit-Reset': '60',
      },
    );
}

/** POSTs a signed webhook body to the test app, as Persona would, and expects it acknowledged. */
