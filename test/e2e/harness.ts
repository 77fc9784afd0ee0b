import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInquiryEvent, type WebhookEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import type { ScenarioKey } from '../../src/sim/scenarios.js';
import { type SimulatorStack, type SimulatorStackOptions, startSimulatorStack } from '../../src/sim/stack.js';
import type { SinkDelivery } from '../../src/sim/sink.js';
import { type ServiceProcess, startService } from '../../scripts/lib/service-process.js';
import { pollUntil } from '../helpers/events.js';

export const E2E_TOKEN = 'e2e-read-token-0123456789abcdef0123456789';

/**
 * The one bound on an end-to-end test: real processes are awaited by event (a log line, an exit) or polled until the
 * awaited state holds, never against a shorter deadline of their own, so a busy machine slows a test down instead of
 * failing it. Generous on purpose; a healthy run takes a fraction of it.
 */
export const E2E_TIMEOUT_MS = 120_000;

/** A webhook sender's attempt waits for the service's answer as long as the test may run (Persona's own is 5 s). */
const ATTEMPT_TIMEOUT_MS = E2E_TIMEOUT_MS;

export interface DecisionView {
  status: string;
  outcome: string | null;
  reasons: { code: string }[];
  sequence: number | null;
  personaCalls: number | null;
  eventId?: string;
  history?: { eventId: string }[];
}

/**
 * One end-to-end world: the simulator and the sink in this process (real servers on loopback), the service as a
 * real child process on SQLite in a temp folder. `close()` stops the service by PID and everything else.
 */
export class E2eWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'persona-decider-e2e-'));
  service: ServiceProcess | undefined;
  private starts = 0;
  private constructor(
    readonly stack: SimulatorStack,
    private readonly serviceEnv: Record<string, string>,
  ) {}

  static async start(options: { sim?: SimulatorStackOptions; env?: Record<string, string> } = {}): Promise<E2eWorld> {
    const stack = await startSimulatorStack(options.sim);
    const world = new E2eWorld(stack, options.env ?? {});
    try {
      await world.startService();
    } catch (error) {
      await world.close();
      throw error;
    }
    return world;
  }

  /** Starts (or restarts, on the same port and database) the service process. */
  async startService(port = '0'): Promise<ServiceProcess> {
    this.starts += 1;
    this.service = await startService({
      env: {
        ...this.stack.env,
        DATABASE_URL: `sqlite:${join(this.dir, 'decisions.db')}`,
        API_TOKENS: E2E_TOKEN,
        PORT: port,
        // real time in a real process: settles-after-polls must be fetched twice within this of its webhook to be
        // approved, never-settles waits all of it for its manual review; long enough for a busy machine
        VERIFICATION_POLL_TIMEOUT_SECONDS: '10',
        VERIFICATION_POLL_MIN_DELAY_MS: '100',
        VERIFICATION_POLL_MAX_DELAY_MS: '500',
        DOWNSTREAM_RETRY_MIN_DELAY_MS: '100',
        DOWNSTREAM_RETRY_MAX_DELAY_SECONDS: '1',
        // a killed process's claimed jobs are taken over when their lease expires: keep that short here
        JOB_LEASE_SECONDS: '3',
        // the startup sweep's GET /events would count among the simulator's requests; tests that want it set it
        RECONCILE_INTERVAL_SECONDS: '0',
        ...this.serviceEnv,
      },
      logFile: join(this.dir, `service-${this.starts}.log`),
      readyTimeoutMs: E2E_TIMEOUT_MS,
    });
    return this.service;
  }

  get url(): string {
    if (!this.service) throw new Error('service not started');
    return this.service.url;
  }

  /** `retryUntilAcked`: re-send every unacknowledged event until the service acknowledges it (e.g. across a restart). */
  sender(options: { retryUntilAcked?: boolean } = {}) {
    return this.stack.createSender(`${this.url}/webhooks/persona`, {
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      ...(options.retryUntilAcked ? { retryUntilAcked: { maxAttempts: Number.POSITIVE_INFINITY, delayMs: 50 } } : {}),
    });
  }

  event(
    scenario: ScenarioKey,
    overrides: { eventId?: string; createdAt?: string; inquiryId?: string } = {},
  ): WebhookEvent {
    return buildInquiryEvent({ inquiryId: overrides.inquiryId ?? inquiryIdFor(scenario), ...overrides });
  }

  async decision(inquiryId: string): Promise<DecisionView | null> {
    const res = await fetch(`${this.url}/decisions/${inquiryId}`, {
      headers: { authorization: `Bearer ${E2E_TOKEN}` },
    });
    if (res.status === 404) return null;
    return (await res.json()) as DecisionView;
  }

  /** Waits until every inquiry is decided and its decision delivered (verified) to the sink (polling the service). */
  async settled(inquiryIds: readonly string[]): Promise<Map<string, DecisionView>> {
    const decided = new Map<string, DecisionView>();
    await pollUntil(async () => {
      for (const id of inquiryIds) {
        if (decided.has(id)) continue;
        const view = await this.decision(id);
        if (view?.status === 'decided') decided.set(id, view);
      }
      const delivered = new Set(this.deliveries().map((d) => d.inquiryId));
      return decided.size === inquiryIds.length && inquiryIds.every((id) => delivered.has(id));
    });
    return decided;
  }

  /** Waits until the service has evaluated this event: its decision names it, or the decision's history does. */
  async evaluated(inquiryId: string, eventId: string): Promise<DecisionView> {
    let seen: DecisionView | null = null;
    await pollUntil(async () => {
      seen = await this.decision(inquiryId);
      return seen?.eventId === eventId || (seen?.history ?? []).some((h) => h.eventId === eventId);
    });
    return seen as unknown as DecisionView;
  }

  /** Deliveries the sink verified and acknowledged. */
  deliveries(): SinkDelivery[] {
    return this.stack.sink.deliveries().filter((d) => d.verified && d.status < 300);
  }

  async close(): Promise<void> {
    if (this.service) await this.service.stop();
    await this.stack.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
