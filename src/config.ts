import { z } from 'zod';
import { containsPlaceholder, refuseListedPlaceholders } from './config-secrets.js';
import { type BearerToken, parseBearerTokens, tokenListConflicts } from './config-tokens.js';
import { type TrustProxy, trustProxySchema } from './config-trust-proxy.js';
import { AppError, ErrorCodes } from './errors.js';
import { redactUrl } from './lib/redact-url.js';
import { DEFAULT_PERSONA_EVENTS, describeBadEventName } from './persona/event-names.js';

/**
 * The service's whole configuration, parsed once from the environment by main.ts. `loadConfig` is pure: it gets
 * the environment as an argument, reports every bad key in one error (naming keys, never echoing values) and
 * returns a frozen camelCase object with units in the names.
 */
const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
  .refine((items) => items.length > 0, 'must list at least one value');

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const databaseUrl = z
  .string()
  .refine(
    (value) => /^sqlite:.+/.test(value) || /^postgres(ql)?:\/\/.+/.test(value),
    'must be sqlite:<path> or postgres://…',
  )
  .refine((value) => !containsPlaceholder(value), 'carries the placeholder password from .env.example');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const downstreamSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be a Standard Webhooks secret: whsec_<base64>');

/** `true`/`false` (also `1`/`0`, `yes`/`no`), any case; anything else is refused, naming the key. */
// PERSONA_WRITE_BACK: the outcomes told to Persona (retry has no Persona action); unset or empty = off
const WRITE_BACK_OUTCOMES = ['approved', 'declined', 'manual_review'] as const;
const writeBackOutcomes = optionalString.transform((value, ctx) => {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const unknown = items.filter((item) => !(WRITE_BACK_OUTCOMES as readonly string[]).includes(item));
  if (unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown outcome(s) ${unknown.join(', ')}: use ${WRITE_BACK_OUTCOMES.join(', ')}`,
    });
    return z.NEVER;
  }
  return items as (typeof WRITE_BACK_OUTCOMES)[number][];
});

const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }))
  .transform((value) => ['true', '1', 'yes'].includes(value));

const schema = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    TRUST_PROXY: trustProxySchema,
    DATABASE_URL: databaseUrl.default('sqlite:./data/decisions.db'),
    PERSONA_WEBHOOK_SECRET: csv.superRefine(refuseListedPlaceholders),
    WEBHOOK_TOLERANCE_SECONDS: positiveInt.default(300),
    // three days: longer than Persona's ~51 h of retries, in case they keep their first signature's timestamp
    WEBHOOK_MAX_AGE_SECONDS: positiveInt.default(3 * 24 * 3600),
    WEBHOOK_BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
    PERSONA_EVENTS: csv
      .superRefine((names, ctx) => {
        for (const name of names) {
          const problem = describeBadEventName(name);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }
      })
      .default(() => [...DEFAULT_PERSONA_EVENTS]),
    PERSONA_API_KEY: z
      .string()
      .min(1)
      .superRefine((key, ctx) => refuseListedPlaceholders([key], ctx)),
    PERSONA_API_URL: httpUrl.default('https://api.withpersona.com/api/v1'),
    PERSONA_API_VERSION: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2025-12-08')
      .default('2025-12-08'),
    PERSONA_TIMEOUT_MS: positiveInt.default(10_000),
    PERSONA_MAX_RETRIES: nonNegativeInt.default(4),
    API_TOKENS: csv.transform((entries, ctx) => parseBearerTokens(entries, 'operate', ctx)),
    // read-only tokens: GET routes only (403 FORBIDDEN on operator actions); unset or empty = none
    API_READ_TOKENS: optionalString.transform((value, ctx) =>
      parseBearerTokens(
        (value ?? '')
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
        'read',
        ctx,
      ),
    ),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    VERIFICATION_POLL_TIMEOUT_SECONDS: positiveInt.default(900),
    VERIFICATION_POLL_MIN_DELAY_MS: positiveInt.default(2_000),
    VERIFICATION_POLL_MAX_DELAY_MS: positiveInt.default(60_000),
    PERSONA_RETRY_FOR_SECONDS: positiveInt.default(24 * 3600),
    PERSONA_RATE_LOW_WATER_PERCENT: nonNegativeInt.max(100).default(15),
    PERSONA_RATE_RESET_GUARD_MS: nonNegativeInt.max(60_000).default(1000),
    SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
    DATABASE_POOL_SIZE: positiveInt.default(10),
    DECISION_POLICY_FILE: optionalString,
    DECISION_SHADOW_POLICY_FILE: optionalString,
    WORKER_CONCURRENCY: nonNegativeInt.default(4),
    JOB_LEASE_SECONDS: positiveInt.default(120),
    DOWNSTREAM_URL: optionalString.pipe(httpUrl.optional()),
    DOWNSTREAM_SIGNING_SECRET: optionalString.pipe(downstreamSecret.optional()),
    DOWNSTREAM_TIMEOUT_MS: positiveInt.default(10_000),
    DOWNSTREAM_RETRY_FOR_SECONDS: positiveInt.default(24 * 3600),
    DOWNSTREAM_RETRY_MIN_DELAY_MS: positiveInt.default(2_000),
    DOWNSTREAM_RETRY_MAX_DELAY_SECONDS: positiveInt.default(3600),
    DOWNSTREAM_MAX_CLIENT_ERROR_ATTEMPTS: positiveInt.default(3),
    PERSONA_WRITE_BACK: writeBackOutcomes,
    // the reconciliation sweep (GET /events): 0 disables it; any interval down to 1 s (tests, demos)
    RECONCILE_INTERVAL_SECONDS: nonNegativeInt.default(900),
    // Persona keeps events 30 days
    RECONCILE_LOOKBACK_HOURS: positiveInt.max(720).default(72),
    RECONCILE_RATE_SHARE_PERCENT: positiveInt.max(100).default(10),
    METRICS_ENABLED: booleanFlag.default(true),
    // a scraper's bearer token: long enough that guessing it is hopeless (the message names the key, never the value)
    METRICS_TOKEN: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  })
  .superRefine((env, ctx) => {
    for (const message of tokenListConflicts([...env.API_TOKENS, ...env.API_READ_TOKENS])) {
      ctx.addIssue({ code: 'custom', path: ['API_TOKENS'], message });
    }
    if (env.WEBHOOK_MAX_AGE_SECONDS < env.WEBHOOK_TOLERANCE_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_MAX_AGE_SECONDS'],
        message: 'must not be less than WEBHOOK_TOLERANCE_SECONDS',
      });
    }
    if (env.VERIFICATION_POLL_MIN_DELAY_MS > env.VERIFICATION_POLL_MAX_DELAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['VERIFICATION_POLL_MIN_DELAY_MS'],
        message: 'must not exceed VERIFICATION_POLL_MAX_DELAY_MS',
      });
    }
    if (env.DOWNSTREAM_RETRY_MIN_DELAY_MS > env.DOWNSTREAM_RETRY_MAX_DELAY_SECONDS * 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['DOWNSTREAM_RETRY_MIN_DELAY_MS'],
        message: 'must not exceed DOWNSTREAM_RETRY_MAX_DELAY_SECONDS',
      });
    }
    if (env.DOWNSTREAM_URL && !env.DOWNSTREAM_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['DOWNSTREAM_SIGNING_SECRET'],
        message: 'is required when DOWNSTREAM_URL is set',
      });
    }
  });

export interface Config {
  port: number;
  host: string;
  /** Proxies whose X-Forwarded-For is believed (Fastify's trustProxy): off, a hop count, or their addresses. */
  trustProxy: TrustProxy;
  databaseUrl: string;
  personaWebhookSecrets: readonly string[];
  /** Future clock skew allowed on a webhook signature; past signatures up to this age are accepted silently. */
  webhookToleranceSeconds: number;
  /** Oldest webhook signature accepted (older than the tolerance: accepted and logged at warn). */
  webhookMaxAgeSeconds: number;
  webhookBodyLimitBytes: number;
  /** Persona event names the service acts on (persona/event-names.ts); any other is recorded as ignored. */
  personaEvents: readonly string[];
  personaApiKey: string;
  personaApiUrl: string;
  personaApiVersion: string;
  personaTimeoutMs: number;
  personaMaxRetries: number;
  /** API_TOKENS' tokens (their names are in bearerTokens). */
  apiTokens: readonly string[];
  /** Every bearer token of API_TOKENS (`operate`) and API_READ_TOKENS (`read`), with its name. */
  bearerTokens: readonly BearerToken[];
  logLevel: string;
  verificationPollTimeoutSeconds: number;
  verificationPollMinDelayMs: number;
  verificationPollMaxDelayMs: number;
  personaRetryForSeconds: number;
  /** The reconciliation sweep: every this many seconds (0: off), the first run looking back this many hours. */
  reconcile: { intervalSeconds: number; lookbackHours: number; rateSharePercent: number };
  /** PERSONA_WRITE_BACK: decisions with these outcomes are written back to Persona (empty: off). */
  personaWriteBack: ReadonlySet<'approved' | 'declined' | 'manual_review'>;
  /** Below this share of Persona's limit left in a window, calls are spread over the rest of it (0 = off). */
  personaRateLowWaterPercent: number;
  /** Added to Persona's whole-second `RateLimit-Reset` before a new window is assumed. */
  personaRateResetGuardMs: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  databasePoolSize: number;
  decisionPolicyFile: string | undefined;
  /** A second policy every decision is also taken under, stored beside it and never delivered (unset: none). */
  decisionShadowPolicyFile: string | undefined;
  workerConcurrency: number;
  jobLeaseSeconds: number;
  downstream:
    | {
        url: string;
        signingSecret: string;
        timeoutMs: number;
        retryForSeconds: number;
        retryMinDelayMs: number;
        retryMaxDelaySeconds: number;
        maxClientErrorAttempts: number;
      }
    | undefined;
  /** false: nothing is recorded and GET /metrics does not exist (the measurement baseline). */
  metricsEnabled: boolean;
  /** When set, GET /metrics requires `Authorization: Bearer <it>`; else it is open. */
  metricsToken: string | undefined;
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw invalidConfig(parsed.error, env);
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    trustProxy: e.TRUST_PROXY,
    databaseUrl: e.DATABASE_URL,
    personaWebhookSecrets: Object.freeze(e.PERSONA_WEBHOOK_SECRET),
    webhookToleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
    webhookMaxAgeSeconds: e.WEBHOOK_MAX_AGE_SECONDS,
    webhookBodyLimitBytes: e.WEBHOOK_BODY_LIMIT_BYTES,
    personaEvents: Object.freeze(e.PERSONA_EVENTS),
    personaApiKey: e.PERSONA_API_KEY,
    personaApiUrl: e.PERSONA_API_URL.replace(/\/+$/, ''),
    personaApiVersion: e.PERSONA_API_VERSION,
    personaTimeoutMs: e.PERSONA_TIMEOUT_MS,
    personaMaxRetries: e.PERSONA_MAX_RETRIES,
    apiTokens: Object.freeze(e.API_TOKENS.map((t) => t.token)),
    bearerTokens: Object.freeze([...e.API_TOKENS, ...e.API_READ_TOKENS].map((t) => Object.freeze(t))),
    logLevel: e.LOG_LEVEL,
    verificationPollTimeoutSeconds: e.VERIFICATION_POLL_TIMEOUT_SECONDS,
    verificationPollMinDelayMs: e.VERIFICATION_POLL_MIN_DELAY_MS,
    verificationPollMaxDelayMs: e.VERIFICATION_POLL_MAX_DELAY_MS,
    personaRetryForSeconds: e.PERSONA_RETRY_FOR_SECONDS,
    personaWriteBack: new Set(e.PERSONA_WRITE_BACK),
    reconcile: Object.freeze({
      intervalSeconds: e.RECONCILE_INTERVAL_SECONDS,
      lookbackHours: e.RECONCILE_LOOKBACK_HOURS,
      rateSharePercent: e.RECONCILE_RATE_SHARE_PERCENT,
    }),
    personaRateLowWaterPercent: e.PERSONA_RATE_LOW_WATER_PERCENT,
    personaRateResetGuardMs: e.PERSONA_RATE_RESET_GUARD_MS,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    decisionPolicyFile: e.DECISION_POLICY_FILE,
    decisionShadowPolicyFile: e.DECISION_SHADOW_POLICY_FILE,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    downstream:
      e.DOWNSTREAM_URL && e.DOWNSTREAM_SIGNING_SECRET
        ? Object.freeze({
            url: e.DOWNSTREAM_URL,
            signingSecret: e.DOWNSTREAM_SIGNING_SECRET,
            timeoutMs: e.DOWNSTREAM_TIMEOUT_MS,
            retryForSeconds: e.DOWNSTREAM_RETRY_FOR_SECONDS,
            retryMinDelayMs: e.DOWNSTREAM_RETRY_MIN_DELAY_MS,
            retryMaxDelaySeconds: e.DOWNSTREAM_RETRY_MAX_DELAY_SECONDS,
            maxClientErrorAttempts: e.DOWNSTREAM_MAX_CLIENT_ERROR_ATTEMPTS,
          })
        : undefined,
    metricsEnabled: e.METRICS_ENABLED,
    metricsToken: e.METRICS_TOKEN,
  });
}

/** Every bad key in one error, naming keys, never values. */
function invalidConfig(error: z.ZodError, env: Readonly<Record<string, string | undefined>>): AppError {
  const problems = error.issues.map((issue) => {
    const key = issue.path.join('.') || '(environment)';
    // zod's "expected string, received undefined" says nothing useful about a missing key
    const message = issue.code === 'invalid_type' && env[key] === undefined ? 'is required' : issue.message;
    return `${key} ${message}`;
  });
  return new AppError(ErrorCodes.CONFIG_INVALID, `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
}

/** The database keys alone: what a tool that only reads the database needs (`npm run policy -- backtest`). */
export type DatabaseConfig = Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'sqliteSynchronous'>;

const databaseSchema = z.object({
  DATABASE_URL: schema.shape.DATABASE_URL,
  DATABASE_POOL_SIZE: schema.shape.DATABASE_POOL_SIZE,
  SQLITE_SYNCHRONOUS: schema.shape.SQLITE_SYNCHRONOUS,
});

/** The database part of the configuration, by the service's own rules and defaults, without its secrets. */
export function loadDatabaseConfig(env: Readonly<Record<string, string | undefined>>): DatabaseConfig {
  const parsed = databaseSchema.safeParse(env);
  if (!parsed.success) throw invalidConfig(parsed.error, env);
  return Object.freeze({
    databaseUrl: parsed.data.DATABASE_URL,
    databasePoolSize: parsed.data.DATABASE_POOL_SIZE,
    sqliteSynchronous: parsed.data.SQLITE_SYNCHRONOUS,
  });
}

/** The configuration as it may be logged: every secret replaced by "[set]". */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: redactUrl(config.databaseUrl),
    personaApiUrl: redactUrl(config.personaApiUrl),
    personaWebhookSecrets: `[set: ${config.personaWebhookSecrets.length}]`,
    personaApiKey: '[set]',
    apiTokens: `[set: ${config.apiTokens.length}]`,
    bearerTokens: config.bearerTokens.map((t) => `${t.name} (${t.access})`),
    metricsToken: config.metricsToken === undefined ? undefined : '[set]',
    downstream: config.downstream
      ? { ...config.downstream, url: redactUrl(config.downstream.url), signingSecret: '[set]' }
      : undefined,
  };
}
