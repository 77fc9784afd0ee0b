import type { FastifyInstance } from 'fastify';
import { AppError, ErrorCodes } from '../../errors.js';
import { PERSONA_ID } from '../../persona/ids.js';
import type { EventStore } from '../../store/event-store.js';
import type { RequireBearer } from '../bearer-auth.js';

export interface InquiryRoutesOptions {
  events: Pick<EventStore, 'reprocess'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

/** POST /inquiries/:inquiryId/reprocess for operators (bearer auth). */
export async function inquiryRoutes(app: FastifyInstance, options: InquiryRoutesOptions): Promise<void> {
  /** Re-queues an inquiry from its latest event: recovery after a failure, or re-evaluation under a new policy. */
  app.post<{ Params: { inquiryId: string } }>('/inquiries/:inquiryId/reprocess', { onRequest: options.requireBearer }, async (request, reply) => {
    const { inquiryId } = request.params;
    if (!PERSONA_ID.test(inquiryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed inquiry id');
    if ((await options.events.reprocess(inquiryId)) === 'not_found') throw new AppError(ErrorCodes.NOT_FOUND, 'no such inquiry');
    options.onEnqueued();
    request.log.info({ inquiryId }, 'inquiry re-queued by operator');
    return reply.status(202).send({ inquiryId, status: 'processing' });
  });
}
