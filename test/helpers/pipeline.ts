import nock from 'nock';
import type { Policy } from '../../src/decision/policy.js';
import { createWorker } from '../../src/deps.js';
import type { Worker } from '../../src/jobs/worker.js';
import { buildInquiry, buildInquiryResponse, type PersonaResource } from '../../src/sim/persona-objects.js';
import { signedWebhookRequest } from './persona-webhook.js';
import { TEST_WEBHOOK_SECRET, type TestContext } from './test-app.js';

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
export async function postWebhook(ctx: TestContext, body: object): Promise<{ status: string }> {
  const request = signedWebhookRequest(body, {
    secrets: [TEST_WEBHOOK_SECRET],
    timestampSeconds: Math.floor(ctx.clock.now() / 1000),
  });
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/webhooks/persona',
    payload: request.payload,
    headers: request.headers,
  });
  if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** Runs the worker, moving the manual clock to each rescheduled job's run time, until the queue is empty. */
export async function runUntilIdle(ctx: TestContext, worker = createTestWorker(ctx), maxRounds = 50): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    await worker.drain();
    const next = await ctx.queue.nextRunAt();
    if (next === null) return;
    if (next > ctx.clock.now()) ctx.clock.set(next);
  }
  throw new Error('queue did not empty');
}
