import nock from 'nock';
import type { Policy } from '../../src/decision/policy.js';
import { createWorker } from '../../src/deps.js';
import type { Worker } from '../../src/jobs/worker.js';
import { buildInquiry, buildInquiryResponse, type PersonaResource } from '../../src/sim/persona-objects.js';
import type { TestContext } from './test-app.js';

export const PERSONA_ORIGIN = 'https://persona.test';
export const PERSONA_BASE = '/api/v1';

/** The service's worker (createWorker, as main.ts), on the test context's deps: manual clock, instant sleeps. */
export function createTestWorker(
  ctx: TestContext,
  options: { policy?: Policy; concurrency?: number; workerId?: string } = {},
): Worker {
  return createWorker(
    { ...ctx.deps, policy: options.policy ?? ctx.deps.policy },
    { concurrency: options.concurrency ?? 4, ...(options.workerId ? { workerId: options.workerId } : {}) },
  );
}

/** Persona's answer to GET /inquiries/{id}?include=verifications,reports for an inquiry with these objects. */
function inquiryDocument(inquiryId: string, included: PersonaResource[]) {
  const links = (prefix: string) =>
    included.filter((r) => r.type.startsWith(prefix)).map((r) => ({ type: r.type, id: r.id }));
  const inquiry = buildInquiry({
    id: inquiryId,
    status: 'completed',
    verifications: links('verification/'),
    reports: links('report/'),
  });
  return buildInquiryResponse(inquiry, included);
}

/** Intercepts one GET of the inquiry (with the include parameter Persona needs), answering with these objects. */
export function interceptInquiry(inquiryId: string, included: PersonaResource[], status = 200) {
  return nock(PERSONA_ORIGIN)
    .get(`${PERSONA_BASE}/inquiries/${inquiryId}`)
    .query({ include: 'verifications,reports' })
    .reply(
      status,
      status === 200 ? inquiryDocument(inquiryId, included) : { errors: [{ title: 'Record not found' }] },
      {
        'RateLimit-Limit': '300',
        'RateLimit-Remaining': '299',
        'RateLimit-Reset': '60',
      },
    );
}
