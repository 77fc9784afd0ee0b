import nock from 'nock';
import { defaultPolicy, type Policy } from '../../src/decision/policy.js';
import { createJobHandlers } from '../../src/jobs/handlers.js';
import { Worker } from '../../src/jobs/worker.js';
import { createPersonaClient } from '../../src/persona/client.js';
import { createRateBudget } from '../../src/persona/rate-limit.js';
import { buildInquiry, buildInquiryResponse, type PersonaResource } from '../../src/sim/persona-objects.js';
import type { TestContext } from './test-app.js';

export const PERSONA_ORIGIN = 'https://persona.test';
export const PERSONA_BASE = '/api/v1';

/** A worker wired like main.ts, on the test context's database and manual clock; sleeps resolve at once. */
export function createTestWorker(ctx: TestContext, options: { policy?: Policy; concurrency?: number; workerId?: string } = {}): Worker {
  const sleep = async (ms: number) => {
    ctx.clock.advance(ms);
  };
  const random = () => 0.5;
  const persona = createPersonaClient({
    baseUrl: ctx.config.personaApiUrl,
    apiKey: ctx.config.personaApiKey,
    apiVersion: ctx.config.personaApiVersion,
    timeoutMs: ctx.config.personaTimeoutMs,
    maxRetries: ctx.config.personaMaxRetries,
    clock: ctx.clock,
    random,
    sleep,
    rateBudget: createRateBudget({ clock: ctx.clock, sleep }),
  });
  const { handlers } = createJobHandlers({
    config: ctx.config,
    persona,
    decisions: ctx.decisions,
    deliveries: ctx.deliveries,
    policy: options.policy ?? defaultPolicy,
    clock: ctx.clock,
    random,
  });
  return new Worker({
    queue: ctx.queue,
    handlers,
    clock: ctx.clock,
    random,
    logger: ctx.logger,
    concurrency: options.concurrency ?? 4,
    leaseMs: ctx.config.jobLeaseSeconds * 1000,
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
}

/** Persona's answer to GET /inquiries/{id}?include=verifications,reports for an inquiry with these objects. */
export function inquiryDocument(inquiryId: string, included: PersonaResource[]) {
  const links = (prefix: string) => included.filter((r) => r.type.startsWith(prefix)).map((r) => ({ type: r.type, id: r.id }));
  const inquiry = buildInquiry({ id: inquiryId, status: 'completed', verifications: links('verification/'), reports: links('report/') });
  return buildInquiryResponse(inquiry, included);
}

/** Intercepts one GET of the inquiry (with the include parameter Persona needs), answering with these objects. */
export function interceptInquiry(inquiryId: string, included: PersonaResource[], status = 200) {
  return nock(PERSONA_ORIGIN)
    .get(`${PERSONA_BASE}/inquiries/${inquiryId}`)
    .query({ include: 'verifications,reports' })
    .reply(status, status === 200 ? inquiryDocument(inquiryId, included) : { errors: [{ title: 'Record not found' }] }, {
      'RateLimit-Limit': '300',
      'RateLimit-Remaining': '299',
      'RateLimit-Reset': '60',
    });
}
