import type { FaultConfig } from './faults.js';
import type { RateLimitConfig } from './fixed-window.js';
import type { PersonaSimulator } from './persona-server.js';
import { createPersonaSimulator } from './persona-server.js';
import type { Sink, SinkFailures } from './sink.js';
import { createSink } from './sink.js';
import type { WebhookSender, WebhookSenderOptions } from './webhook-sender.js';
import type { LoggedEvent } from './event-log.js';
import { createWebhookSender } from './webhook-sender.js';

/**
 * The simulator and the sink together, listening on loopback: what `npm run sim`, the demo, the end-to-end tests
 * and the benchmarks start. The defaults are fixed, public, development-only values, so a service `.env` pointed
 * at the simulator keeps working across restarts; they guard nothing real.
 */
export const SIM_DEFAULTS = {
  host: '127.0.0.1',
  apiKey: 'persona_sandbox_simulator_key',
  webhookSecret: 'wbhsec_simulator_webhook_secret',
  sinkSecret: `whsec_${Buffer.from('persona-sim downstream secret 01').toString('base64')}`,
  /** Path on the sink that DOWNSTREAM_URL points at (the sink accepts any path). */
  sinkPath: '/decisions',
} as const;

export interface SimulatorStackOptions {
  host?: string;
  /** Persona simulator port; default 0 (ephemeral). */
  port?: number;
  /** Sink port; default 0 (ephemeral). */
  sinkPort?: number;
  apiKey?: string;
  webhookSecret?: string;
  sinkSecret?: string;
  /** Default 300 per 60 s. */
  rateLimit?: RateLimitConfig;
  /** Added to every Persona API response (a global fault). */
  latencyMs?: number;
  /** How the Persona simulator waits out injected latency (default: real time); a test can hold a response with it. */
  sleep?: (ms: number) => Promise<void>;
  pendingFetches?: number;
  faults?: FaultConfig;
  sinkFailures?: SinkFailures;
  logger?: boolean;
}

export interface SimulatorStack {
  persona: PersonaSimulator;
  sink: Sink;
  apiKey: string;
  webhookSecret: string;
  sinkSecret: string;
  /** Where the service should deliver decisions: `<sink url>/decisions`. */
  downstreamUrl: string;
  /** PERSONA_API_URL, PERSONA_API_KEY, PERSONA_WEBHOOK_SECRET, DOWNSTREAM_URL, DOWNSTREAM_SIGNING_SECRET. */
  env: Record<string, string>;
  /** A sender that signs with this stack's webhook secret. `target` is the service's /webhooks/persona URL. */
  createSender(target: string, options?: Omit<WebhookSenderOptions, 'url' | 'secrets'>): WebhookSender;
  close(): Promise<void>;
}

export async function startSimulatorStack(options: SimulatorStackOptions = {}): Promise<SimulatorStack> {
  const host = options.host ?? SIM_DEFAULTS.host;
  const apiKey = options.apiKey ?? SIM_DEFAULTS.apiKey;
  const webhookSecret = options.webhookSecret ?? SIM_DEFAULTS.webhookSecret;
  const sinkSecret = options.sinkSecret ?? SIM_DEFAULTS.sinkSecret;
  const persona = createPersonaSimulator({
    apiKey,
    faults: withLatency(options.faults ?? {}, options.latencyMs),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.pendingFetches === undefined ? {} : { pendingFetches: options.pendingFetches }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const sink = createSink({ secret: sinkSecret, ...(options.sinkFailures ? { failures: options.sinkFailures } : {}) });
  try {
    await persona.listen({ host, ...(options.port === undefined ? {} : { port: options.port }) });
    await sink.listen({ host, ...(options.sinkPort === undefined ? {} : { port: options.sinkPort }) });
  } catch (error) {
    await Promise.allSettled([persona.close(), sink.close()]);
    throw error;
  }
  const downstreamUrl = `${sink.url}${SIM_DEFAULTS.sinkPath}`;
  return {
    persona,
    sink,
    apiKey,
    webhookSecret,
    sinkSecret,
    downstreamUrl,
    env: {
      PERSONA_API_URL: persona.apiUrl,
      PERSONA_API_KEY: apiKey,
      PERSONA_WEBHOOK_SECRET: webhookSecret,
      DOWNSTREAM_URL: downstreamUrl,
      DOWNSTREAM_SIGNING_SECRET: sinkSecret,
    },
    // every event a sender sends exists in Persona: GET /events lists it, delivered or lost
    createSender: (target, senderOptions = {}) =>
      createWebhookSender({
        ...senderOptions,
        url: target,
        secrets: webhookSecret,
        onEvent: (event) => persona.logEvent((event.body as { data: LoggedEvent }).data),
      }),
    close: async () => {
      await Promise.all([persona.close(), sink.close()]);
    },
  };
}

function withLatency(faults: FaultConfig, latencyMs: number | undefined): FaultConfig {
  if (!latencyMs) return faults;
  return { ...faults, global: { ...faults.global, latencyMs: (faults.global?.latencyMs ?? 0) + latencyMs } };
}
