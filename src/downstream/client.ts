import { AppError, ErrorCodes } from '../errors.js';
import { parseRetryAfter } from '../lib/backoff.js';
import type { Clock } from '../lib/clock.js';
import { describeFetchError, isRetryableStatus, isSuccessStatus } from './classify.js';
import { discardBody } from './discard-body.js';
import { standardWebhookHeaders, toSigningKey } from './sign.js';

export type DeliveryResult =
  | { ok: true; status: number; durationMs: number }
  | {
      ok: false;
      retryable: boolean;
      status: number | null;
      retryAfterMs: number | null;
      /** Short and body-free: 'HTTP 503', 'timeout after 10000 ms', 'ECONNREFUSED'. */
      error: string;
      durationMs: number;
    };

export interface DownstreamClientOptions {
  url: string;
  /** `whsec_<base64>` */
  signingSecret: string;
  timeoutMs: number;
  clock: Clock;
}

export interface DownstreamClient {
  /** One delivery attempt. HTTP and network outcomes are values; it only throws on programming errors. */
  send(input: { webhookId: string; body: string }): Promise<DeliveryResult>;
}

/** Validates everything up front so a bad URL or secret fails at startup, not on the first decision. */
export function createDownstreamClient(opts: DownstreamClientOptions): DownstreamClient {
  assertHttpUrl(opts.url);
  assertSecret(opts.signingSecret);
  if (!(Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0)) {
    throw new AppError(ErrorCodes.CONFIG_INVALID, `downstream timeoutMs must be > 0, got ${opts.timeoutMs}`);
  }
  return { send: (input) => sendOnce(opts, input) };
}

async function sendOnce(
  opts: DownstreamClientOptions,
  input: { webhookId: string; body: string },
): Promise<DeliveryResult> {
  const startedMs = opts.clock.now();
  const elapsed = (): number => Math.max(0, opts.clock.now() - startedMs);
  // Built outside the try: an invalid header value (a bad webhookId) is a bug to throw, not a network failure.
  const request = new Request(opts.url, {
    method: 'POST',
    // Timestamp is taken per attempt: receivers reject stale ones (5 min tolerance), and retries can span hours.
    headers: standardWebhookHeaders({
      secret: opts.signingSecret,
      webhookId: input.webhookId,
      timestampSeconds: Math.floor(startedMs / 1000),
      body: input.body,
    }),
    body: input.body,
    // A redirected POST would carry a signed decision to a URL nobody configured: report the 3xx instead.
    redirect: 'manual',
    signal: AbortSignal.timeout(opts.timeoutMs),
  });

  let response: Response;
  try {
    response = await fetch(request);
  } catch (error) {
    const message = describeFetchError(error, opts.timeoutMs);
    return { ok: false, retryable: true, status: null, retryAfterMs: null, error: message, durationMs: elapsed() };
  }
  await discardBody(response);
  return toDeliveryResult(response, opts.clock.now(), elapsed());
}

function toDeliveryResult(response: Response, nowMs: number, durationMs: number): DeliveryResult {
  const { status } = response;
  if (isSuccessStatus(status)) return { ok: true, status, durationMs };
  const retryable = isRetryableStatus(status);
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after'), nowMs) : null;
  return { ok: false, retryable, status, retryAfterMs, error: `HTTP ${status}`, durationMs };
}

function assertHttpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new AppError(ErrorCodes.CONFIG_INVALID, 'downstream url is not a valid URL', { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError(ErrorCodes.CONFIG_INVALID, `downstream url must be http(s), got ${parsed.protocol}`);
  }
  // fetch refuses URLs with credentials on every call; catch it here rather than on each delivery.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new AppError(ErrorCodes.CONFIG_INVALID, 'downstream url must not embed credentials');
  }
}

function assertSecret(secret: string): void {
  try {
    toSigningKey(secret);
  } catch (cause) {
    throw new AppError(ErrorCodes.CONFIG_INVALID, 'downstream signing secret must be whsec_<base64>', { cause });
  }
}
