import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { ErrorCodes } from '../../errors.js';
import { PERSONA_ID } from '../../persona/ids.js';
import type { DecisionStore } from '../../store/decision-store.js';
import type { EventStore } from '../../store/event-store.js';

export interface DecisionRoutesOptions {
  decisions: DecisionStore;
  events: EventStore;
  onEnqueued: () => void;
  requireBearer: onRequestAsyncHookHandler;
}


/** GET /decisions/:inquiryId — the current decision for internal services (bearer auth). */
export async function decisionRoutes(app: FastifyInstance, options: DecisionRoutesOptions): Promise<void> {
  app.get<{ Params: { inquiryId: string } }>(
    '/decisions/:inquiryId',
    { onRequest: options.requireBearer },
    async (request, reply) => {
      const { inquiryId } = request.params;
      if (!PERSONA_ID.test(inquiryId)) {
        return reply.status(400).send({ error: { code: ErrorCodes.BAD_REQUEST, message: 'malformed inquiry id' } });
      }
      const view = await options.decisions.getInquiryView(inquiryId);
      if (!view) {
        return reply.status(404).send({ error: { code: ErrorCodes.NOT_FOUND, message: 'no decision for this inquiry' } });
      }
      const d = view.decision;
      return {
        inquiryId,
        status: view.status,
        outcome: d?.outcome ?? null,
        reasons: d?.reasons ?? [],
        decidedAt: d?.decidedAt ?? null,
        policyVersion: d?.policyVersion ?? null,
        sequence: d?.sequence ?? null,
        decisionId: d?.decisionId ?? null,
        evidence: d?.evidence ?? null,
        personaCalls: d?.personaCalls ?? null,
        error: view.error,
      };
    },
  );

  /** Re-queues an inquiry from its latest event: recovery after a failure, or re-evaluation under a new policy. */
  app.post<{ Params: { inquiryId: string } }>(
    '/inquiries/:inquiryId/reprocess',
    { onRequest: options.requireBearer },
    async (request, reply) => {
      const { inquiryId } = request.params;
      if (!PERSONA_ID.test(inquiryId)) {
        return reply.status(400).send({ error: { code: ErrorCodes.BAD_REQUEST, message: 'malformed inquiry id' } });
      }
      if ((await options.events.reprocess(inquiryId)) === 'not_found') {
        return reply.status(404).send({ error: { code: ErrorCodes.NOT_FOUND, message: 'no such inquiry' } });
      }
      options.onEnqueued();
      request.log.info({ inquiryId }, 'inquiry re-queued by operator');
      return reply.status(202).send({ inquiryId, status: 'processing' });
    },
  );
}
