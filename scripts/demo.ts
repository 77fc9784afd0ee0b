/**
 * npm run demo — the whole flow on this machine, with no Persona account, no .env and no network:
 * the Persona simulator and a downstream sink on free loopback ports, the real service (`node dist/main.js`) on
 * SQLite in a temp folder, one signed webhook per scenario, then a table of what was decided and delivered; then
 * the lifecycle stories, one webhook per step (a manual review closed by a reviewer in Persona among them).
 *
 * `npm run demo -- --keep` leaves it all running at the end, printing the operator console's URL and a token, until
 * Ctrl-C: click through the demo's decisions (the review queue holds its manual reviews).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildInquiryEvent, type IncludedAllowlist } from '../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../src/sim/inquiry-ids.js';
import { playLifecycle } from '../src/sim/lifecycle-events.js';
import { defaultPolicyScenarios, isLifecycleScenario, type Scenario } from '../src/sim/scenarios.js';
import type { SinkDelivery } from '../src/sim/sink.js';
import { startSimulatorStack } from '../src/sim/stack.js';
import { type ServiceProcess, startService } from './lib/service-process.js';
import { formatTable, waitFor } from './lib/report.js';

const API_TOKEN = 'demo-operator-token-0123456789abcdef012345678';
/** The name the console shows and the audit trail records for the demo's token. */
const TOKEN_NAME = 'demo-operator';
const KEEP = process.argv.slice(2).includes('--keep');
const POLL_TIMEOUT_SECONDS = 4;
const RECONCILE_INTERVAL_SECONDS = 2; // shortened from the default 900 for the lost-webhook part // shortened from the default 900 so the never-settles scenario ends in the demo

interface Row {
  scenario: Scenario;
  inquiryId: string;
  /** What the webhook's payload.included carried: nothing (Persona's default), or every verification and report. */
  included: IncludedAllowlist;
  sentAt: number;
  decision?: { outcome: string; reasons: { code: string }[]; personaCalls: number };
  deliveredAt?: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'persona-decider-demo-'));
  step('starting the Persona simulator and the downstream sink');
  const stack = await startSimulatorStack();
  let service: ServiceProcess | undefined;
  try {
    step(`starting the service: node dist/main.js, SQLite in ${dir}`);
    service = await startService({
      env: {
        ...stack.env,
        DATABASE_URL: `sqlite:${join(dir, 'decisions.db')}`,
        API_TOKENS: `${TOKEN_NAME}:${API_TOKEN}`,
        VERIFICATION_POLL_TIMEOUT_SECONDS: String(POLL_TIMEOUT_SECONDS),
        VERIFICATION_POLL_MIN_DELAY_MS: '250',
        VERIFICATION_POLL_MAX_DELAY_MS: '1000',
        // the reconciliation sweep every few seconds instead of 15 minutes, so the demo shows a lost webhook found
        RECONCILE_INTERVAL_SECONDS: String(RECONCILE_INTERVAL_SECONDS),
      },
      logFile: join(dir, 'service.log'),
    });
    info(`service ${service.url} (pid ${service.pid}), simulator ${stack.persona.url}, sink ${stack.sink.url}`);

    const sender = stack.createSender(`${service.url}/webhooks/persona`);
    const rows = [
      ...(await sendOnePerScenario(service.url, sender, 'none')),
      // the same scenarios again, each webhook carrying its verifications and reports (an included-allowlist of
      // all): decided with no Persona call when all of it has settled
      ...(await sendOnePerScenario(service.url, sender, 'all')),
    ];
    step(
      `waiting for decisions (verifications still running are polled; never-settles gives up after ${POLL_TIMEOUT_SECONDS} s)`,
    );
    await collectDecisions(service.url, rows);
    await collectDeliveries(rows, () => stack.sink.deliveries());
    printTable(rows);
    const wrong = rows.filter((r) => r.decision?.outcome !== r.scenario.expectedOutcome || !r.deliveredAt);
    step(
      wrong.length === 0
        ? 'every scenario decided as the default policy says, and delivered'
        : `${wrong.length} scenario(s) did not end as expected`,
    );

    const stories = defaultPolicyScenarios().filter((s) => isLifecycleScenario(s));
    step(
      `the Persona lifecycle: ${stories.length} stories, one signed webhook per step, each read back before the next`,
    );
    const storyRows: StoryRow[] = [];
    for (const scenario of stories) {
      storyRows.push(...(await playStory(service.url, stack, sender, scenario)));
    }
    await collectStoryDeliveries(storyRows, () => stack.sink.deliveries());
    printStories(storyRows);
    const storyWrong = storyRows.filter((r) => !r.asExpected || (r.delivers && !r.deliveredVerified));
    step(
      storyWrong.length === 0
        ? 'every step decided as expected; each changed outcome delivered (next sequence, verified), the rest kept in the history'
        : `${storyWrong.length} step(s) did not end as expected`,
    );
    const recovered = await recoverLostWebhook(service.url, stack);
    const backtested = await backtestCandidate(`sqlite:${join(dir, 'decisions.db')}`);
    process.exitCode = wrong.length === 0 && storyWrong.length === 0 && recovered && backtested ? 0 : 1;
    await offerConsole(service.url);
  } finally {
    step('stopping everything');
    if (service) await service.stop();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The operator console on the demo's decisions: its URL and the token to paste, on screen at the end. With --keep,
 * everything stays up until Ctrl-C (or SIGTERM); without it the demo ends as it always did.
 */
async function offerConsole(serviceUrl: string): Promise<void> {
  step(KEEP ? 'the operator console, on these decisions' : 'to click through these decisions in the operator console');
  info(`console ${serviceUrl}/console`);
  info(`token   ${API_TOKEN}   (${TOKEN_NAME}: may review, retry, redeliver)`);
  if (!KEEP) {
    info('run `npm run demo -- --keep` to keep the stack running until Ctrl-C; this run stops it now');
    return;
  }
  info('open the URL, paste the token; the review queue holds the manual reviews. Ctrl-C stops everything.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

const CANDIDATE_POLICY = 'docs/examples/candidate-policy.json';

/**
 * What a candidate policy would have decided on this demo's traffic: the backtest (`npm run policy -- backtest`,
 * the built CLI), read-only over the demo's store while the service runs, with no Persona call.
 */
async function backtestCandidate(databaseUrl: string): Promise<boolean> {
  step(`what would ${CANDIDATE_POLICY} (CEL rules on risk signals and tags, a selfie required) have decided?`);
  info(`npm run policy -- backtest ${CANDIDATE_POLICY}   (DATABASE_URL=${databaseUrl})`);
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['dist/policy-cli.js', 'backtest', CANDIDATE_POLICY],
      { env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 60_000 },
    );
    console.log(stdout.replace(/^/gm, '    ').trimEnd());
    return true;
  } catch (error) {
    info(`✗ the backtest failed: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`);
    return false;
  }
}

/**
 * A webhook Persona never delivered (the simulator's sender loses it: the event exists in Persona, GET /events lists
 * it): the reconciliation sweep finds it and the inquiry is decided and delivered like any other.
 */
async function recoverLostWebhook(
  serviceUrl: string,
  stack: Awaited<ReturnType<typeof startSimulatorStack>>,
): Promise<boolean> {
  const inquiryId = inquiryIdFor('all-passed');
  const lost = await stack
    .createSender(`${serviceUrl}/webhooks/persona`, { lose: () => true })
    .send(buildInquiryEvent({ inquiryId }));
  step(
    `a webhook Persona never delivered: ${lost.eventId} for ${inquiryId} (the sweep lists Persona's events every ${RECONCILE_INTERVAL_SECONDS} s)`,
  );
  const sentAt = Date.now();
  let outcome: string | undefined;
  let items: { newEvents: number }[] = [];
  let found = 0;
  // decided, delivered, and the sweep's run saved with what it found (the inquiry's job may be decided and delivered
  // before the sweep's own run is saved: the worker takes it at once)
  await waitFor(
    async () => {
      const headers = { authorization: `Bearer ${API_TOKEN}` };
      const res = await fetch(`${serviceUrl}/decisions/${inquiryId}`, { headers });
      outcome = res.ok ? ((await res.json()) as { status: string; outcome: string }).outcome : undefined;
      const delivered = stack.sink.deliveries().some((d) => d.verified && d.inquiryId === inquiryId);
      const runs = await fetch(`${serviceUrl}/reconciliations?limit=50`, { headers });
      items = ((await runs.json()) as { items: { newEvents: number }[] }).items;
      found = items.reduce((n, run) => n + run.newEvents, 0);
      return outcome !== undefined && outcome !== null && delivered && found === 1;
    },
    (RECONCILE_INTERVAL_SECONDS + 20) * 1000,
  ).catch(() => undefined);
  const ok = outcome === 'approved' && found === 1;
  info(
    ok
      ? `✓ found by the reconciliation sweep, decided ${outcome} and delivered (verified) ${Date.now() - sentAt} ms after it was lost; GET /reconciliations: ${items.length} runs, 1 new event in all`
      : `✗ the lost webhook was not recovered (outcome ${outcome ?? 'none'}, new events found ${found})`,
  );
  return ok;
}

async function sendOnePerScenario(
  serviceUrl: string,
  sender: ReturnType<Awaited<ReturnType<typeof startSimulatorStack>>['createSender']>,
  included: IncludedAllowlist,
): Promise<Row[]> {
  const rows: Row[] = [];
  // one webhook each; the lifecycle stories come after, and a scenario that assumes a policy runs in the e2e tests
  for (const scenario of defaultPolicyScenarios().filter((s) => !isLifecycleScenario(s))) {
    const inquiryId = inquiryIdFor(scenario.key);
    const sentAt = Date.now();
    const result = await sender.send(buildInquiryEvent({ inquiryId, included }));
    if (!result.acked)
      throw new Error(`webhook for ${scenario.key} not acknowledged (${result.status ?? result.error})`);
    rows.push({ scenario, inquiryId, included, sentAt });
  }
  const carrying =
    included === 'none'
      ? 'payload.included empty, as Persona sends by default'
      : 'payload.included carrying every verification and report';
  step(
    `sent ${rows.length} signed webhooks, one per scenario (inquiry.completed, .failed or .expired; ${carrying}), to ${serviceUrl}/webhooks/persona (all answered 200)`,
  );
  return rows;
}

async function collectDecisions(serviceUrl: string, rows: Row[]): Promise<void> {
  await waitFor(
    async () => {
      for (const row of rows.filter((r) => !r.decision)) {
        const res = await fetch(`${serviceUrl}/decisions/${row.inquiryId}`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        });
        const body = (await res.json()) as {
          status: string;
          outcome: string;
          reasons: { code: string }[];
          personaCalls: number;
        };
        if (body.status !== 'decided') continue;
        row.decision = body;
        info(
          `${body.outcome === row.scenario.expectedOutcome ? '✓' : '✗'} ${row.scenario.key.padEnd(26)} ${body.outcome}`,
        );
      }
      return rows.every((r) => r.decision);
    },
    (POLL_TIMEOUT_SECONDS + 20) * 1000,
  );
}

async function collectDeliveries(
  rows: Row[],
  deliveries: () => { inquiryId?: string; verified: boolean; receivedAt: string }[],
): Promise<void> {
  await waitFor(async () => {
    for (const d of deliveries()) {
      const row = rows.find((r) => r.inquiryId === d.inquiryId);
      if (row && d.verified && !row.deliveredAt) row.deliveredAt = Date.parse(d.receivedAt);
    }
    return rows.every((r) => r.deliveredAt);
  }, 10_000).catch(() => undefined);
}

function printTable(rows: Row[]): void {
  console.log();
  console.log(
    formatTable(
      ['inquiry', 'scenario', 'evidence in webhook', 'outcome', 'reasons', 'Persona calls', 'delivered', 'latency'],
      rows.map((r) => [
        r.inquiryId,
        r.scenario.key,
        r.included === 'all' ? 'all' : 'none',
        `${r.decision?.outcome ?? '—'}${r.decision?.outcome === r.scenario.expectedOutcome ? '' : ' (!)'}`,
        (r.decision?.reasons ?? [])
          .filter((x, i, all) => all.findIndex((y) => y.code === x.code) === i)
          .slice(0, 3)
          .map((x) => x.code)
          .join(', '),
        String(r.decision?.personaCalls ?? '—'),
        r.deliveredAt ? 'yes, verified' : 'no',
        r.deliveredAt ? `${r.deliveredAt - r.sentAt} ms` : '—',
      ]),
    ),
  );
  console.log(
    '\nlatency: webhook sent → signed decision received by the sink (includes polling for the pending scenarios)\n',
  );
}

interface StoryRow {
  scenario: Scenario;
  inquiryId: string;
  step: number;
  event: string;
  personaStatus: string;
  outcome: string;
  reason: string;
  sequence: number;
  delivers: boolean;
  asExpected: boolean;
  deliveredVerified?: boolean;
}

interface DecisionBody {
  status: string;
  outcome: string;
  reasons: { code: string }[];
  sequence: number;
  personaStatus: string | null;
  eventId: string | null;
  history: { eventId: string; personaStatus: string }[];
}

/** Plays one lifecycle scenario: for each step, move the simulator, send the event, read the decision back. */
async function playStory(
  serviceUrl: string,
  stack: Awaited<ReturnType<typeof startSimulatorStack>>,
  sender: ReturnType<Awaited<ReturnType<typeof startSimulatorStack>>['createSender']>,
  scenario: Scenario,
): Promise<StoryRow[]> {
  const inquiryId = inquiryIdFor(scenario.key);
  const rows: StoryRow[] = [];
  await playLifecycle(inquiryId, {
    setStep: (id, index) => {
      const result = stack.persona.setStep(id, index);
      if (!result.ok) throw new Error(`cannot set ${id} to step ${index}: ${result.reason}`);
    },
    send: async (event) => {
      const result = await sender.send(event);
      if (!result.acked) throw new Error(`${event.name} for ${inquiryId} not acknowledged (${result.status})`);
      return result;
    },
    evaluated: async (id, eventId) => {
      let body: DecisionBody | undefined;
      await waitFor(async () => {
        const res = await fetch(`${serviceUrl}/decisions/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
        body = res.ok ? ((await res.json()) as DecisionBody) : undefined;
        return body?.eventId === eventId || (body?.history ?? []).some((h) => h.eventId === eventId);
      }, 20_000);
      const index = rows.length;
      const expected = scenario.steps[index];
      if (!body || !expected) throw new Error(`no decision for ${id} after step ${index}`);
      rows.push({
        scenario,
        inquiryId: id,
        step: index,
        event: expected.event,
        // a step that kept the outcome is in the history, with the status Persona had then
        personaStatus: body.history.find((h) => h.eventId === eventId)?.personaStatus ?? body.personaStatus ?? '—',
        outcome: body.outcome,
        reason: body.reasons[0]?.code ?? '—',
        sequence: body.sequence,
        delivers: expected.delivers,
        asExpected: body.outcome === expected.expectedOutcome && (body.eventId === eventId) === expected.delivers,
      });
    },
  });
  return rows;
}

/** Each delivering step's sequence must reach the sink, verified (the sink reads the sequence from the body). */
async function collectStoryDeliveries(rows: StoryRow[], deliveries: () => SinkDelivery[]): Promise<void> {
  const sequenceOf = (d: SinkDelivery): number | undefined =>
    (d.body as { data?: { sequence?: number } } | null)?.data?.sequence;
  await waitFor(async () => {
    for (const row of rows.filter((r) => r.delivers)) {
      row.deliveredVerified = deliveries().some(
        (d) => d.verified && d.inquiryId === row.inquiryId && sequenceOf(d) === row.sequence,
      );
    }
    return rows.every((r) => !r.delivers || r.deliveredVerified);
  }, 10_000).catch(() => undefined);
}

function printStories(rows: StoryRow[]): void {
  console.log();
  console.log(
    formatTable(
      ['story', 'step', 'event', 'Persona status', 'decision', 'first reason', 'sequence', 'delivered'],
      rows.map((r) => [
        r.step === 0 ? r.scenario.key : '',
        String(r.step + 1),
        r.event,
        r.personaStatus,
        `${r.outcome}${r.asExpected ? '' : ' (!)'}`,
        r.reason,
        String(r.sequence),
        r.delivers ? (r.deliveredVerified ? 'yes, verified' : 'no (!)') : 'no: same outcome, kept in history',
      ]),
    ),
  );
  console.log(
    '\nreviewer-approves is a manual review closed by a reviewer in Persona: sequence 1 manual_review, then sequence 2' +
      ' approved,\nboth delivered and verified; marked-for-review in between changed nothing, so nothing was sent.\n',
  );
}

function step(message: string): void {
  console.log(`▸ ${message}`);
}

function info(message: string): void {
  console.log(`  ${message}`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
