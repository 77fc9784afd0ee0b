import { parseArgs } from 'node:util';
import type { RateLimitConfig } from './fixed-window.js';
import { INCLUDED_ALLOWLISTS, type IncludedAllowlist, isIncludedAllowlist } from './inquiry-event.js';
import { parseRateLimit } from './fixed-window.js';
import {
  defaultPolicyScenarios,
  findScenario,
  isLifecycleScenario,
  isScenarioKey,
  SCENARIO_KEYS,
} from './scenarios.js';
import type { ScenarioKey } from './scenarios.js';
import type { SimulatorStackOptions } from './stack.js';
import { SIM_DEFAULTS } from './stack.js';

/** Command line of `persona-sim` (cli.ts). Pure: argv and env in, a command or every problem out. */
export type CliCommand =
  | { command: 'serve'; stack: SimulatorStackOptions; json: boolean }
  | { command: 'fire'; fire: FireOptions }
  | { command: 'scenarios' }
  | { command: 'help' };

export interface FireOptions {
  target: string;
  scenarios: ScenarioKey[];
  /** Inquiries per scenario. */
  count: number;
  /** Sends per event (same event id). */
  duplicates: number;
  outOfOrder: boolean;
  concurrency: number;
  /** One secret, or two (new first) for the rotation header. */
  secrets: string[];
  /** Re-send until acknowledged (bounded), as Persona retries. */
  retry: boolean;
  json: boolean;
  /**
   * The simulator's base URL (the one serving /_sim): fire moves a lifecycle inquiry to each step there before
   * sending that step's event. Required when a chosen scenario has several steps.
   */
  simUrl?: string;
  /** What one-step scenarios' `payload.included` carries (inquiry-event.ts); lifecycle steps always send none. */
  included: IncludedAllowlist;
  /** After firing, wait for the sink (its base URL) to verify every expected decision; exit 1 if one is wrong. */
  awaitDeliveries?: { sinkUrl: string; seconds: number };
}

export type ParseResult = { ok: true; value: CliCommand } | { ok: false; problems: string[] };

export const USAGE = `persona-sim: a Persona API simulator, webhook sender and downstream sink for persona-decider

  npm run sim [-- serve] [options]     start the simulator and the sink; print the service's env
    --host 127.0.0.1  --port 0  --sink-port 0          (env SIM_HOST, SIM_PORT, SIM_SINK_PORT)
    --api-key K  --webhook-secret S  --sink-secret whsec_… (env SIM_API_KEY, SIM_WEBHOOK_SECRET, SIM_SINK_SECRET)
    --rate-limit 300/60   requests per seconds, fixed window (env SIM_RATE_LIMIT)
    --latency-ms 0        added to every Persona response (env SIM_LATENCY_MS)
    --pending-fetches 2   fetches settles-after-polls stays initiated (env SIM_PENDING_FETCHES)
    --json                print one JSON line with the URLs and env instead of the banner

  npm run sim -- fire --target URL [options]           send signed webhooks, one per lifecycle step
    --scenario KEY|all|demo (repeatable; default all; demo: every scenario the default policy decides as
                          expected, what npm run demo plays)  --count N  --duplicates K  --out-of-order
    --concurrency 8  --webhook-secret S[,OLD] (two: rotation header)  --retry  --json
    --sim-url URL         the simulator (serving /_sim), required for scenarios with several steps: each
                          step is set there before its event is sent; steps always go in order
                          (--out-of-order applies to one-step scenarios)
    --included none|verifications|all   what each one-step scenario's payload.included carries, as a
                          Persona webhook's included-allowlist does (default none; all: the service decides
                          with no Persona call when everything has settled)
    --await-deliveries SINK_URL  then wait (--await-seconds 60) until the sink (serving /_sink/deliveries) has
                          verified every decision the fired scenarios deliver; print each inquiry's outcomes
                          and "N/N decisions delivered as expected"; exit 1 unless all arrived as expected
    (env SIM_TARGET, SIM_WEBHOOK_SECRET, SIM_URL, SIM_INCLUDED, SIM_AWAIT_DELIVERIES, SIM_AWAIT_SECONDS)

  npm run sim -- scenarios                             list scenarios and expected outcomes

Scenarios: ${SCENARIO_KEYS.join(', ')}`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'sink-port': { type: 'string' },
  'api-key': { type: 'string' },
  'webhook-secret': { type: 'string' },
  'sink-secret': { type: 'string' },
  'rate-limit': { type: 'string' },
  'latency-ms': { type: 'string' },
  'pending-fetches': { type: 'string' },
  json: { type: 'boolean' },
  target: { type: 'string' },
  scenario: { type: 'string', multiple: true },
  count: { type: 'string' },
  duplicates: { type: 'string' },
  'out-of-order': { type: 'boolean' },
  concurrency: { type: 'string' },
  retry: { type: 'boolean' },
  'sim-url': { type: 'string' },
  included: { type: 'string' },
  'await-deliveries': { type: 'string' },
  'await-seconds': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
type Env = Readonly<Record<string, string | undefined>>;

export function parseCliArgs(argv: readonly string[], env: Env): ParseResult {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
  }
  const { values, positionals } = parsed;
  const [command = 'serve', ...extra] = positionals;
  if (values.help || command === 'help') return { ok: true, value: { command: 'help' } };
  if (extra.length > 0) return { ok: false, problems: [`unexpected arguments: ${extra.join(' ')}`] };
  if (command === 'scenarios') return { ok: true, value: { command: 'scenarios' } };
  const problems: string[] = [];
  const read = createReader(values, env, problems);
  const value: CliCommand | null =
    command === 'serve'
      ? { command: 'serve', stack: serveOptions(read), json: values.json ?? false }
      : command === 'fire'
        ? { command: 'fire', fire: fireOptions(values, read, env, problems) }
        : null;
  if (value === null) problems.push(`unknown command "${command}" (serve, fire, scenarios, help)`);
  return value === null || problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

interface Reader {
  text(flag: keyof Values, envKey: string): string | undefined;
  int(flag: keyof Values, envKey: string, min: number): number | undefined;
  rate(flag: keyof Values, envKey: string): RateLimitConfig | undefined;
}

/** Flags win over SIM_* environment variables; every malformed value is reported, not just the first. */
function createReader(values: Values, env: Env, problems: string[]): Reader {
  const text = (flag: keyof Values, envKey: string): string | undefined => {
    const value = values[flag] ?? env[envKey];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  return {
    text,
    int(flag, envKey, min) {
      const raw = text(flag, envKey);
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (Number.isInteger(n) && n >= min) return n;
      problems.push(`--${flag} must be an integer >= ${min}`);
      return undefined;
    },
    rate(flag, envKey) {
      const raw = text(flag, envKey);
      if (raw === undefined) return undefined;
      const rate = parseRateLimit(raw);
      if (rate === null) problems.push(`--${flag} must look like 300/60 (requests per seconds)`);
      return rate ?? undefined;
    },
  };
}

function serveOptions(read: Reader): SimulatorStackOptions {
  const entries = {
    host: read.text('host', 'SIM_HOST'),
    port: read.int('port', 'SIM_PORT', 0),
    sinkPort: read.int('sink-port', 'SIM_SINK_PORT', 0),
    apiKey: read.text('api-key', 'SIM_API_KEY'),
    webhookSecret: read.text('webhook-secret', 'SIM_WEBHOOK_SECRET'),
    sinkSecret: read.text('sink-secret', 'SIM_SINK_SECRET'),
    rateLimit: read.rate('rate-limit', 'SIM_RATE_LIMIT'),
    latencyMs: read.int('latency-ms', 'SIM_LATENCY_MS', 0),
    pendingFetches: read.int('pending-fetches', 'SIM_PENDING_FETCHES', 0),
  };
  // Leave unset options out, so the stack's defaults apply.
  return Object.fromEntries(
    Object.entries(entries).filter(([, value]) => value !== undefined),
  ) as SimulatorStackOptions;
}

function fireOptions(values: Values, read: Reader, env: Env, problems: string[]): FireOptions {
  const target = read.text('target', 'SIM_TARGET') ?? 'http://127.0.0.1:3000/webhooks/persona';
  if (!URL.canParse(target)) problems.push('--target must be a URL');
  const secrets = (read.text('webhook-secret', 'SIM_WEBHOOK_SECRET') ?? SIM_DEFAULTS.webhookSecret)
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (secrets.length === 0 || secrets.length > 2) problems.push('--webhook-secret takes one secret, or two (new,old)');
  const scenarios = scenariosOf(values.scenario ?? env.SIM_SCENARIO?.split(',') ?? ['all'], problems);
  const simUrl = simUrlOf(read.text('sim-url', 'SIM_URL'), scenarios, problems);
  const sinkUrl = read.text('await-deliveries', 'SIM_AWAIT_DELIVERIES');
  if (sinkUrl !== undefined && !URL.canParse(sinkUrl)) problems.push('--await-deliveries must be a URL');
  const awaitSeconds = read.int('await-seconds', 'SIM_AWAIT_SECONDS', 1) ?? 60;
  const included = read.text('included', 'SIM_INCLUDED') ?? 'none';
  if (!isIncludedAllowlist(included)) problems.push(`--included must be one of ${INCLUDED_ALLOWLISTS.join(', ')}`);
  return {
    target,
    scenarios,
    count: read.int('count', 'SIM_COUNT', 1) ?? 1,
    duplicates: read.int('duplicates', 'SIM_DUPLICATES', 1) ?? 1,
    outOfOrder: values['out-of-order'] ?? false,
    concurrency: read.int('concurrency', 'SIM_CONCURRENCY', 1) ?? 8,
    secrets,
    retry: values.retry ?? false,
    json: values.json ?? false,
    included: isIncludedAllowlist(included) ? included : 'none',
    ...(simUrl === undefined ? {} : { simUrl }),
    ...(sinkUrl === undefined
      ? {}
      : { awaitDeliveries: { sinkUrl: sinkUrl.replace(/\/+$/, ''), seconds: awaitSeconds } }),
  };
}

function simUrlOf(
  simUrl: string | undefined,
  scenarios: readonly ScenarioKey[],
  problems: string[],
): string | undefined {
  if (simUrl !== undefined && !URL.canParse(simUrl)) problems.push('--sim-url must be a URL');
  const lifecycle = scenarios.filter((key) => {
    const scenario = findScenario(key);
    return scenario !== undefined && isLifecycleScenario(scenario);
  });
  if (simUrl === undefined && lifecycle.length > 0) {
    problems.push(
      `--sim-url (or SIM_URL) is required for scenarios with several steps (${lifecycle.join(', ')}): ` +
        "fire sets the simulator's step before each event, e.g. --sim-url http://127.0.0.1:4010",
    );
  }
  return simUrl?.replace(/\/+$/, '');
}

function scenariosOf(names: readonly string[], problems: string[]): ScenarioKey[] {
  const keys = names.flatMap((name) => name.split(',')).map((name) => name.trim());
  if (keys.includes('all')) return [...SCENARIO_KEYS];
  if (keys.includes('demo')) return defaultPolicyScenarios().map((scenario) => scenario.key);
  const unknown = keys.filter((key) => !isScenarioKey(key));
  if (unknown.length > 0) problems.push(`unknown scenario(s): ${unknown.join(', ')} (try: npm run sim -- scenarios)`);
  return keys.filter(isScenarioKey);
}
