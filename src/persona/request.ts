import pRetry from 'p-retry';
import type { Options as PRetryOptions } from 'p-retry';
import type { z } from 'zod';
import { AppError, ErrorCodes } from '../errors.js';
import type { Clock, Random } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { MetricsRecorder, PersonaEndpoint, PersonaRequestSample } from '../metrics/recorder.js';
import { DEFAULT_RETRY_DELAYS, retryDelayMs } from './http-retry.js';
import type { RetryDelayOptions } from './http-retry.js';
import type { RateBudget, Sleep } from './rate-limit.js';
import type { RequestLabel } from './request-errors.js';
import { badResponseError, isRetryableError, PersonaApiError, statusError, transportError } from './request-errors.js';
import { NO_RATE_LIMIT_HEADERS, readRateLimitHeaders, readRequestId, readRetryHintMs } from './response-headers.js';
import { errorBodySchema } from './schemas.js';

/** Counts HTTP requests actually sent (retries included), so the pipeline can report Persona calls per decision. */
export interface PersonaCallContext {
  calls: number;
}

export type PersonaLogger = Pick<Logger, 'debug' | 'warn'>;

export interface PersonaRequestOptions {
  /** e.g. https://api.withpersona.com/api/v1 */
  baseUrl: string;
  apiKey: string;
  /** `Persona-Version`, e.g. 2025-12-08: pins response shapes to what schemas.ts expects. */
  apiVersion: string;
  /** Per request (headers and body), not per call: each retry gets a fresh timeout. */
  timeoutMs: number;
  /** Retries after the first attempt, for retryable failures only. */
  maxRetries: number;
  clock: Clock;
  random: Random;
  sleep: Sleep;
  rateBudget: RateBudget;
  logger?: PersonaLogger;
  /** Every request's endpoint kind, status and duration (src/metrics). */
  metrics?: Pick<MetricsRecorder, 'personaRequest'>;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
}

/** GET `path` (plus `query`), retried per http-retry.ts, and parsed with `schema`. */
export type PersonaGet = <S extends z.ZodType>(
  path: string,
  schema: S,
  ctx: PersonaCallContext,
  query?: Record<string, string>,
) => Promise<z.output<S>>;

/** POST `path` with a JSON body and an `Idempotency-Key`, retried like a GET (Persona dedupes by the key). */
export type PersonaPost = <S extends z.ZodType>(
  path: string,
  schema: S,
  ctx: PersonaCallContext,
  request: { body: object; idempotencyKey: string },
) => Promise<z.output<S>>;

export function createPersonaGet(options: PersonaRequestOptions): PersonaGet {
  const call = createPersonaCall(options);
  return (path, schema, ctx, query) => call({ method: 'GET', path, schema, ctx, ...(query ? { query } : {}) });
}

export function createPersonaPost(options: PersonaRequestOptions): PersonaPost {
  const call = createPersonaCall(options);
  return (path, schema, ctx, { body, idempotencyKey }) =>
    call({
      method: 'POST',
      path,
      schema,
      ctx,
      body: JSON.stringify(body),
      extraHeaders: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
    });
}

interface CallInput<S extends z.ZodType> {
  method: 'GET' | 'POST';
  path: string;
  schema: S;
  ctx: PersonaCallContext;
  query?: Record<string, string>;
  body?: string;
  extraHeaders?: Record<string, string>;
}

function createPersonaCall(options: PersonaRequestOptions) {
  assertOptions(options);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const delays: RetryDelayOptions = {
    ...DEFAULT_RETRY_DELAYS,
    baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_DELAYS.baseDelayMs,
    maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY_DELAYS.maxDelayMs,
  };
  const headers = {
    Authorization: `Bearer ${options.apiKey}`,
    'Persona-Version': options.apiVersion,
    'Key-Inflection': 'kebab',
    Accept: 'application/json',
  };

  return async <S extends z.ZodType>(input: CallInput<S>): Promise<z.output<S>> => {
    const { method, path, schema, ctx, query, body } = input;
    const label: RequestLabel = { method, path };
    const url = new URL(`${baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    const request = { method, headers: { ...headers, ...input.extraHeaders }, ...(body === undefined ? {} : { body }) };
    const send = (attempt: number): Promise<unknown> => sendOnce({ options, request, url, label, ctx, attempt });
    const json = await pRetry(send, retryOptions(options, delays, path));
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw badResponseError(label, `an unexpected body: ${describeIssues(parsed.error)}`, parsed.error);
    return parsed.data;
  };
}

/** p-retry drives the attempts; the waiting happens here, with the injected sleep, so tests never wait. */
function retryOptions(options: PersonaRequestOptions, delays: RetryDelayOptions, path: string): PRetryOptions {
  return {
    retries: options.maxRetries,
    // p-retry would otherwise wait with a real setTimeout of its own.
    minTimeout: 0,
    shouldRetry: ({ error }) => isRetryableError(error),
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (!isRetryableError(error) || retriesLeft === 0) return;
      const hint = error instanceof PersonaApiError ? error.retryHintMs : null;
      const delayMs = retryDelayMs(attemptNumber, hint, options.random, delays);
      // A hint longer than we are willing to block a worker for: fail now and let the job be rescheduled.
      if (delayMs === null) throw error;
      options.logger?.warn({ path, attempt: attemptNumber, code: codeOf(error), delayMs }, 'persona request retry');
      await options.sleep(delayMs);
    },
  };
}

interface Attempt {
  options: PersonaRequestOptions;
  request: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string };
  url: URL;
  label: RequestLabel;
  ctx: PersonaCallContext;
  attempt: number;
}

/** One HTTP request: budget, send, observe headers, read body, classify. Returns the parsed JSON of a 2xx. */
async function sendOnce({ options, request, url, label, ctx, attempt }: Attempt): Promise<unknown> {
  const { rateBudget, timeoutMs } = options;
  await rateBudget.acquire();
  let observed = false;
  const startedMs = options.clock.now();
  let status: PersonaRequestSample['status'] = 'network_error';
  try {
    ctx.calls += 1;
    const response = await transport(label, timeoutMs, () =>
      // 'manual': Persona's API does not redirect, so a 3xx is reported as a bad response instead of followed.
      fetch(url, { ...request, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) }),
    );
    rateBudget.observe(readRateLimitHeaders(response.headers));
    observed = true;
    const text = await transport(label, timeoutMs, () => response.text());
    status = response.status;
    const requestId = readRequestId(response.headers);
    options.logger?.debug({ path: label.path, status: response.status, attempt, requestId }, 'persona response');
    if (response.status < 200 || response.status >= 300) {
      const hint = readRetryHintMs(response.status, response.headers, options.clock.now());
      throw statusError(label, response.status, readErrorTitle(text), hint);
    }
    return parseJson(label, text);
  } catch (error) {
    if (error instanceof PersonaApiError && error.code === ErrorCodes.PERSONA_TIMEOUT && error.httpStatus === null)
      status = 'timeout';
    throw error;
  } finally {
    // Exactly one observe per acquire, also when no response arrived (the in-flight slot is released).
    if (!observed) rateBudget.observe(NO_RATE_LIMIT_HEADERS);
    const seconds = (options.clock.now() - startedMs) / 1000;
    options.metrics?.personaRequest({ endpoint: endpointOf(label.path), status, seconds });
  }
}

/** The endpoint kind of a path (`/inquiries/inq_…` → inquiry): a bounded label, never the id. */
function endpointOf(path: string): PersonaEndpoint {
  if (path.startsWith('/inquiries/')) return 'inquiry';
  if (path.startsWith('/verifications/')) return 'verification';
  if (path.startsWith('/reports/')) return 'report';
  return 'other';
}

async function transport<T>(label: RequestLabel, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw transportError(label, error, timeoutMs);
  }
}

function parseJson(label: RequestLabel, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw badResponseError(label, 'a body that is not JSON', cause);
  }
}

const MAX_TITLE = 120;

/** Persona's `errors[0].title` ("Record not found"); null for non-JSON bodies such as a proxy's HTML page. */
function readErrorTitle(text: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = errorBodySchema.safeParse(json);
  const title = parsed.success ? parsed.data.errors[0]?.title : undefined;
  if (title === undefined) return null;
  return title.replace(/[^\x20-\x7e]/g, ' ').slice(0, MAX_TITLE);
}

/** Paths and issue codes only: zod messages are value-free today, but paths and codes are value-free by design. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
}

function codeOf(error: unknown): string {
  return error instanceof AppError ? error.code : 'UNKNOWN';
}

function assertOptions(options: PersonaRequestOptions): void {
  const problems: string[] = [];
  if (!/^https?:\/\/[^/]/.test(options.baseUrl) || !URL.canParse(options.baseUrl)) {
    problems.push('baseUrl must be an http(s) URL');
  }
  if (options.apiKey.trim() === '') problems.push('apiKey must not be empty');
  if (options.apiVersion.trim() === '') problems.push('apiVersion must not be empty');
  if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) problems.push('timeoutMs must be > 0');
  if (!(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
    problems.push('maxRetries must be an integer >= 0');
  }
  if (problems.length > 0) throw new AppError(ErrorCodes.CONFIG_INVALID, `persona client: ${problems.join('; ')}`);
}
