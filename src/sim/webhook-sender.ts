import { setTimeout as delay } from 'node:timers/promises';
import { signPersonaPayload } from '../persona/signature.js';
import type { WebhookEvent } from './inquiry-event.js';

/**
 * POSTs webhook events the way Persona does (https://docs.withpersona.com/webhooks, /webhooks-best-practices,
 * /quickstart-webhooks Step 6): `content-type: application/json; charset=utf-8`, a `Persona-Signature` over the
 * exact bytes sent (two groups, new secret first, while a secret rotates) and the `Persona-Webhook-Attempts-*`
 * headers. Only 200, 201, 202 and 204 count as acknowledged, as in Persona's retry docs.
 */
export interface WebhookSenderOptions {
  /** e.g. http://127.0.0.1:3000/webhooks/persona */
  url: string;
  /** One secret; or two while rotating (new first), which puts two `t=…,v1=…` groups in the header. */
  secrets: string | readonly string[];
  /** Per attempt. Persona gives up on an attempt after 5 s. */
  timeoutMs?: number;
  /**
   * Re-send unacknowledged events (non-2xx answer, network error, timeout) like Persona, but quickly: for tests
   * that restart the service. Off by default: one attempt per send.
   */
  retryUntilAcked?: { maxAttempts?: number; delayMs?: number };
  /** Unix ms; the signature's `t` and the attempt headers come from it. */
  now?: () => number;
  /** Told every event before it is sent, once (the simulator logs it for `GET /events`, as Persona does). */
  onEvent?: (event: WebhookEvent) => void;
  /**
   * A webhook Persona never managed to deliver (a long outage, a misconfigured webhook): the event exists (onEvent
   * is told) but nothing is sent; the result says so (`acked` false, no attempt). For the reconciliation sweep.
   */
  lose?: (event: WebhookEvent) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendResult {
  eventId: string;
  inquiryId: string;
  /** The last answer's HTTP status; null when no answer arrived (connection refused, timeout). */
  status: number | null;
  acked: boolean;
  attempts: number;
  /** One entry per attempt. */
  statuses: Array<number | null>;
  /** The last network error, when the last attempt got no answer. */
  error?: string;
}

export interface AttemptOptions {
  /** `Persona-Webhook-Attempts-Made` of the first attempt (default 1), to imitate a late retry. */
  attemptsMade?: number;
}

export interface WebhookSender {
  send(event: WebhookEvent, options?: AttemptOptions): Promise<SendResult>;
  /** The same event (same id and bytes) `times` times; one after another, or all at once with `concurrent`. */
  sendDuplicates(event: WebhookEvent, times: number, options?: { concurrent?: boolean }): Promise<SendResult[]>;
  /**
   * Sends `newer` first, then `older`: Persona does not guarantee order
   * (docs/persona-notes.md#ordering-and-duplicates).
   */
  sendOutOfOrder(older: WebhookEvent, newer: WebhookEvent): Promise<SendResult[]>;
  /** Every event, at most `concurrency` in flight; results in input order. */
  sendBurst(events: readonly WebhookEvent[], options?: { concurrency?: number }): Promise<SendResult[]>;
}

/** Persona makes at most 8 attempts (the first and 7 retries); `Attempts-Left` counts down from 7. */
const PERSONA_MAX_ATTEMPTS = 8;
const ACK_STATUSES = new Set([200, 201, 202, 204]);

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const maxAttempts = options.retryUntilAcked ? (options.retryUntilAcked.maxAttempts ?? PERSONA_MAX_ATTEMPTS) : 1;
  const retryDelayMs = options.retryUntilAcked?.delayMs ?? 250;

  async function send(event: WebhookEvent, attempt: AttemptOptions = {}): Promise<SendResult> {
    options.onEvent?.(event);
    if (options.lose?.(event)) {
      const { eventId, inquiryId } = event;
      return { eventId, inquiryId, status: null, acked: false, attempts: 0, statuses: [], error: 'lost (simulated)' };
    }
    const payload = JSON.stringify(event.body);
    const firstAttemptedAt = Math.floor(now() / 1000);
    const statuses: Array<number | null> = [];
    let last: PostOutcome = { status: null };
    for (let i = 0; i < maxAttempts && !isAck(last.status); i += 1) {
      if (i > 0) await sleep(retryDelayMs);
      const made = (attempt.attemptsMade ?? 1) + i;
      last = await post(options, payload, { made, firstAttemptedAt, nowSeconds: Math.floor(now() / 1000) });
      statuses.push(last.status);
    }
    return {
      eventId: event.eventId,
      inquiryId: event.inquiryId,
      status: last.status,
      acked: isAck(last.status),
      attempts: statuses.length,
      statuses,
      ...(last.error === undefined ? {} : { error: last.error }),
    };
  }

  return {
    send,
    async sendDuplicates(event, times, dupOptions = {}) {
      if (dupOptions.concurrent) return Promise.all(Array.from({ length: times }, () => send(event)));
      const results: SendResult[] = [];
      for (let i = 0; i < times; i += 1) results.push(await send(event));
      return results;
    },
    async sendOutOfOrder(older, newer) {
      return [await send(newer), await send(older)];
    },
    sendBurst: (events, burstOptions = {}) => mapBounded(events, burstOptions.concurrency ?? 8, (event) => send(event)),
  };
}

interface PostInput {
  made: number;
  firstAttemptedAt: number;
  /** Each attempt is signed afresh: `t` is the time the request is sent (webhooks-best-practices). */
  nowSeconds: number;
}

interface PostOutcome {
  status: number | null;
  error?: string;
}

const isAck = (status: number | null): boolean => status !== null && ACK_STATUSES.has(status);

async function post(options: WebhookSenderOptions, payload: string, input: PostInput): Promise<PostOutcome> {
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'persona-signature': signPersonaPayload(payload, options.secrets, input.nowSeconds),
    'persona-webhook-attempts-made': String(input.made),
    'persona-webhook-attempts-left': String(Math.max(0, PERSONA_MAX_ATTEMPTS - input.made)),
    'persona-webhook-first-attempted-at': String(input.firstAttemptedAt),
  };
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    // Drain the body so the connection can be reused; its content does not matter to Persona.
    await response.arrayBuffer();
    return { status: response.status };
  } catch (error) {
    return { status: null, error: describe(error) };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? `${error.name}: ${cause.code}` : `${error.name}: ${error.message}`;
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError('concurrency must be a positive integer');
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return results;
}
