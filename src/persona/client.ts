import type { Evidence, ReportEvidence, VerificationEvidence } from '../decision/evidence.js';
import { ErrorCodes } from '../errors.js';
import type { WriteBackAction } from '../job-kinds.js';
import { PERSONA_ID } from './ids.js';
import type { PersonaCallContext, PersonaRequestOptions } from './request.js';
import { createPersonaGet, createPersonaPost } from './request.js';
import { badResponseError, PersonaApiError } from './request-errors.js';
import { eventListSchema, inquiryDocumentSchema, reportDocumentSchema, verificationDocumentSchema } from './schemas.js';
import { missingLinks, toEvidence, toReportEvidence, toVerificationEvidence } from './to-evidence.js';

export type { PersonaCallContext, PersonaLogger } from './request.js';
export type PersonaClientOptions = PersonaRequestOptions;

/**
 * Read-only Persona API client (https://docs.withpersona.com/api-reference). Every method resolves to PII-free
 * evidence or rejects with an AppError whose `retryable` flag tells the worker whether to reschedule.
 */
export interface PersonaClient {
  /** `GET /inquiries/{id}?include=verifications,reports`, plus one GET per linked object missing from `included`. */
  getInquiryEvidence(inquiryId: string, ctx?: PersonaCallContext): Promise<Evidence>;
  /** `GET /verifications/{id}` (any verification type). */
  getVerification(verificationId: string, ctx?: PersonaCallContext): Promise<VerificationEvidence>;
  /** `GET /reports/{id}` (any report type). */
  getReport(reportId: string, ctx?: PersonaCallContext): Promise<ReportEvidence>;
  /**
   * `GET /events?filter[name]=…&page[size]=…[&page[after]=…]`, newest first: one page of events, each as Persona
   * serves it (the webhook body's `data`; parse it with parsePersonaEvent), and whether a next page exists.
   */
  listEvents(
    query: { names: readonly string[]; after?: string; size: number },
    ctx?: PersonaCallContext,
  ): Promise<{ events: unknown[]; hasMore: boolean }>;
  /** `GET /inquiries/{id}?include=`: the inquiry's status now, nothing included. */
  getInquiryStatus(inquiryId: string, ctx?: PersonaCallContext): Promise<string>;
  /**
   * `POST /inquiries/{id}/approve|decline|mark-for-review` with `Idempotency-Key` (a retry or a second replica's
   * attempt is the same request to Persona) and an audit comment; resolves to the inquiry's status after it.
   */
  reviewInquiry(
    inquiryId: string,
    action: WriteBackAction,
    request: { idempotencyKey: string; comment: string },
    ctx?: PersonaCallContext,
  ): Promise<string>;
}

// Since API version 2025-10-27 `included` is empty unless asked for (docs/persona-notes.md#api-versions-and-included).
const INQUIRY_INCLUDE = 'verifications,reports';

export function createPersonaClient(options: PersonaClientOptions): PersonaClient {
  const get = createPersonaGet(options);
  const post = createPersonaPost(options);

  async function getVerification(
    verificationId: string,
    ctx: PersonaCallContext = { calls: 0 },
  ): Promise<VerificationEvidence> {
    const path = objectPath('verifications', verificationId);
    const document = await get(path, verificationDocumentSchema, ctx);
    assertRequested(path, verificationId, document.data.id);
    return toVerificationEvidence(document.data);
  }

  async function getReport(reportId: string, ctx: PersonaCallContext = { calls: 0 }): Promise<ReportEvidence> {
    const path = objectPath('reports', reportId);
    const document = await get(path, reportDocumentSchema, ctx);
    assertRequested(path, reportId, document.data.id);
    return toReportEvidence(document.data);
  }

  async function getInquiryEvidence(inquiryId: string, ctx: PersonaCallContext = { calls: 0 }): Promise<Evidence> {
    const path = objectPath('inquiries', inquiryId);
    const document = await get(path, inquiryDocumentSchema, ctx, { include: INQUIRY_INCLUDE });
    assertRequested(path, inquiryId, document.data.id);
    const missing = missingLinks(document);
    if (missing.verifications.length + missing.reports.length > 0) {
      options.logger?.debug(
        { inquiryId, verifications: missing.verifications.length, reports: missing.reports.length },
        'persona included incomplete, fetching linked objects',
      );
    }
    // One at a time: these share the rate budget with other jobs, and the count is usually zero.
    const verifications: VerificationEvidence[] = [];
    for (const link of missing.verifications) verifications.push(await getVerification(link.id, ctx));
    const reports: ReportEvidence[] = [];
    for (const link of missing.reports) reports.push(await getReport(link.id, ctx));
    return toEvidence(document, { verifications, reports });
  }

  async function listEvents(
    query: { names: readonly string[]; after?: string; size: number },
    ctx: PersonaCallContext = { calls: 0 },
  ): Promise<{ events: unknown[]; hasMore: boolean }> {
    if (query.after !== undefined && !PERSONA_ID.test(query.after)) {
      throw new PersonaApiError(
        ErrorCodes.PERSONA_BAD_RESPONSE,
        'an event id that is not a Persona id; not requested',
        {
          statusCode: 502,
          retryable: false,
        },
      );
    }
    const page = await get('/events', eventListSchema, ctx, {
      'filter[name]': query.names.join(','),
      'page[size]': String(query.size),
      ...(query.after === undefined ? {} : { 'page[after]': query.after }),
    });
    return { events: page.data, hasMore: typeof page.links?.next === 'string' && page.links.next !== '' };
  }

  async function getInquiryStatus(inquiryId: string, ctx: PersonaCallContext = { calls: 0 }): Promise<string> {
    const path = objectPath('inquiries', inquiryId);
    const document = await get(path, inquiryDocumentSchema, ctx, { include: '' });
    assertRequested(path, inquiryId, document.data.id);
    return document.data.attributes.status;
  }

  async function reviewInquiry(
    inquiryId: string,
    action: WriteBackAction,
    request: { idempotencyKey: string; comment: string },
    ctx: PersonaCallContext = { calls: 0 },
  ): Promise<string> {
    const path = `${objectPath('inquiries', inquiryId)}/${action}`;
    // mark-for-review takes no body in the spec; approve and decline take an optional audit comment
    const body = action === 'mark-for-review' ? {} : { meta: { comment: request.comment } };
    const document = await post(path, inquiryDocumentSchema, ctx, { body, idempotencyKey: request.idempotencyKey });
    assertRequested(path, inquiryId, document.data.id);
    return document.data.attributes.status;
  }

  return { getInquiryEvidence, getVerification, getReport, listEvents, getInquiryStatus, reviewInquiry };
}

/**
 * The path of one object. Verification and report ids come from Persona's answers (an inquiry's relationships, a
 * poll's stored evidence): before one goes into a URL it must have Persona's id shape (persona/ids.ts), so a tampered
 * or broken answer is a bad response, never a request to a path of its choosing (`../accounts/…`, `?include=…`).
 */
function objectPath(collection: 'inquiries' | 'verifications' | 'reports', id: string): string {
  if (!PERSONA_ID.test(id)) {
    // the id itself stays out of the message: it is whatever the answer carried
    const kind = collection.slice(0, -1).replace(/ie$/, 'y');
    throw new PersonaApiError(
      ErrorCodes.PERSONA_BAD_RESPONSE,
      `Persona sent a ${kind} id that is not a Persona id; not requested`,
      {
        statusCode: 502,
        retryable: false,
      },
    );
  }
  return `/${collection}/${id}`;
}

/** Evidence filed under the wrong id would corrupt a decision, so a mismatch is a bad response. */
function assertRequested(path: string, requestedId: string, returnedId: string): void {
  if (returnedId !== requestedId) throw badResponseError({ method: 'GET', path }, 'a different object than requested');
}
