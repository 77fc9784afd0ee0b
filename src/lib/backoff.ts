/**
 * Retry timing maths shared by the Persona client, the job queue and downstream delivery. Pure: randomness and
 * the current time are arguments, so callers (and tests) decide where they come from.
 */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Fraction of the delay to spread either way, in [0, 1]; default 0.2. */
  jitter?: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): `minMs * factor^(attempt-1)`, capped at `maxMs`, then
 * spread by ±jitter so a fleet of failed jobs does not retry in lockstep. The result is a whole number of
 * milliseconds within [minMs * (1 - jitter), maxMs]. Bad options are a configuration bug and throw RangeError;
 * a bad `attempt` is runtime data and is treated as 1.
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions, random: () => number): number {
  const { minMs, maxMs, factor = 2, jitter = 0.2 } = opts;
  assertOptions(minMs, maxMs, factor, jitter);
  const n = Number.isNaN(attempt) || attempt < 1 ? 1 : Math.floor(attempt);
  // Infinity (huge attempt numbers overflow) is fine here: the cap absorbs it. But 1 ** Infinity is NaN: a factor
  // of 1 never grows, whatever the attempt; and 0 * Infinity is NaN: a zero minimum stays zero however many attempts
  const growth = factor === 1 ? 1 : factor ** (n - 1);
  const base = minMs === 0 ? 0 : Math.min(maxMs, minMs * growth);
  const spread = jitter * (2 * clampUnit(random()) - 1); // in [-jitter, +jitter]
  // Ceil keeps the lower bound; the cap applies after jitter so the ceiling is never exceeded.
  return Math.min(maxMs, Math.ceil(base * (1 + spread)));
}

function assertOptions(minMs: number, maxMs: number, factor: number, jitter: number): void {
  if (!(Number.isFinite(minMs) && minMs >= 0)) throw new RangeError(`backoff minMs must be >= 0, got ${minMs}`);
  if (!(Number.isFinite(maxMs) && maxMs >= minMs)) throw new RangeError(`backoff maxMs must be >= minMs, got ${maxMs}`);
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`backoff factor must be >= 1, got ${factor}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`backoff jitter must be in [0, 1], got ${jitter}`);
}

/** A misbehaving random source must not push the delay out of bounds. */
function clampUnit(x: number): number {
  if (Number.isNaN(x)) return 0.5;
  return Math.min(1, Math.max(0, x));
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
// RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms recipients must still accept.
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);

/**
 * Milliseconds to wait according to an HTTP `Retry-After` header (RFC 9110 §10.2.3): delta-seconds or an
 * HTTP-date relative to `nowMs`. Returns null when absent or malformed (so the caller falls back to its own
 * backoff), 0 for dates in the past. Callers should still cap the result: servers can ask for anything.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  // Absurdly long digit strings would overflow to Infinity; clamp so the result stays an ordinary number.
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const dateMs = parseHttpDate(text);
  return dateMs === null ? null : Math.max(0, dateMs - nowMs);
}

/** Strict on shape before Date.parse, which would otherwise accept nonsense such as "1.5" as a date. */
function parseHttpDate(text: string): number | null {
  let ms = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) ms = Date.parse(text);
  // asctime carries no zone but means GMT; without the suffix Date.parse would read it as local time.
  else if (ASCTIME_DATE.test(text)) ms = Date.parse(`${text} GMT`);
  return Number.isNaN(ms) ? null : ms;
}
