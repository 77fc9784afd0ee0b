import type { FastifyInstance } from 'fastify';
import { AppError, ErrorCodes } from '../../errors.js';
import { PERSONA_ID } from '../../persona/ids.js';
import type { DecisionStore } from '../../store/decision-store.js';
import type { EventStore } from '../../store/event-store.js';
import type { RequireBearer } from '../bearer-auth.js';

export interface DecisionRoutesOptions {
  decisions: DecisionStore;
  events: EventStore;
  onEnqueued: () => void;
  requireBearer: RequireBearer;
}

/** GET /decisions/:inquiryId — the current decision for internal services (bearer auth). */
export async function decisionRoutes(app: FastifyInstance, options: DecisionRoutesOptions): Promise<void> {
  app.get<{ Params: { inquiryId: string } }>(
    '/decisions/:inquiryId',
    { onRequest: options.requireBearer },
    async (request) => {
      const { inquiryId } = request.params;
      if (!PERSONA_ID.test(inquiryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed inquiry id');
      const view = await options.decisions.getInquiryView(inquiryId);
      if (!view) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
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
      if (!PERSONA_ID.test(inquiryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed inquiry id');
      if ((await options.events.reprocess(inquiryId)) === 'not_found') throw new AppError(ErrorCodes.NOT_FOUND, 'no such inquiry');
      options.onEnqueued();
      request.log.info({ inquiryId }, 'inquiry re-queued by operator');
      return reply.status(202).send({ inquiryId, status: 'processing' });
    },
  );
}
