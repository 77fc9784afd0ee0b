import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../src/downstream/sign.js';
import { verifyPersonaSignature } from '../../src/persona/signature.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { listenOn } from '../../src/sim/listen.js';
import { createPersonaSimulator } from '../../src/sim/persona-server.js';
import { SIM_DEFAULTS, startSimulatorStack } from '../../src/sim/stack.js';
import type { SimulatorStack } from '../../src/sim/stack.js';

interface Resource {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  relationships: Record<string, { data?: { id: string } | null } | undefined>;
}

interface LifecycleBody {
  data: { attributes: { name: string; 'created-at': string; payload: { data: Resource } } };
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
const stacks: SimulatorStack[] = [];

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(stacks.splice(0).map((stack) => stack.close()));
});

/** `node --import tsx src/sim/cli.ts …`, as `npm run sim -- …` runs it. */
function runCli(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, SIM_PORT: '', SIM_URL: '' },
  });
  children.push(child);
  return child;
}

async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
}

async function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stdout: string }> {
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout };
}

describe('startSimulatorStack', () => {
  it('starts the simulator and the sink on loopback and gives the env the service needs', async () => {
    const stack = await startSimulatorStack({ rateLimit: { limit: 30, windowMs: 6_000 } });
    stacks.push(stack);
    expect(Object.keys(stack.env).sort()).toEqual([
      'DOWNSTREAM_SIGNING_SECRET',
      'DOWNSTREAM_URL',
      'PERSONA_API_KEY',
      'PERSONA_API_URL',
      'PERSONA_WEBHOOK_SECRET',
    ]);
    expect(stack.env.PERSONA_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    const persona = await fetch(`${stack.env.PERSONA_API_URL}/inquiries/${inquiryIdFor('all-passed')}`, {
      headers: { authorization: `Bearer ${stack.env.PERSONA_API_KEY}` },
    });
    expect([persona.status, persona.headers.get('ratelimit-limit')]).toEqual([200, '30']);
    const body = JSON.stringify({ type: 'decision.created', data: { inquiryId: 'inq_x' } });
    const headers = standardWebhookHeaders({
      secret: stack.sinkSecret,
      webhookId: 'msg_1',
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
    });
    expect((await fetch(stack.downstreamUrl, { method: 'POST', headers, body })).status).toBe(204);
  });
});

// Real processes (node with tsx compiling the CLI on start): awaited by their output and 'exit' events only, so the
// test timeout is the one bound, generous enough that a busy machine slows these tests down instead of failing them.
describe('persona-sim command line', { timeout: 120_000 }, () => {
  it('serves, prints its URLs and env as one JSON line, and exits 0 on SIGTERM', async () => {
    const child = runCli(['--json', '--rate-limit', '30/6']);
    const info = JSON.parse(await firstLine(child)) as {
      apiUrl: string;
      sinkUrl: string;
      personaUrl: string;
      env: Record<string, string>;
    };
    expect(info.env.PERSONA_API_URL).toBe(info.apiUrl);
    const stats = (await (await fetch(`${info.personaUrl}/_sim/stats`)).json()) as { settings: { rateLimit: unknown } };
    expect(stats.settings.rateLimit).toEqual({ limit: 30, windowMs: 6_000 });
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  });

  it('fires signed webhooks for a scenario, with duplicates, and exits 0 when all were acknowledged', async () => {
    const received: Array<{ raw: Buffer; signature: string }> = [];
    const receiver = Fastify();
    receiver.removeAllContentTypeParsers();
    receiver.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    receiver.post('/webhooks/persona', async (request) => {
      received.push({ raw: request.body as Buffer, signature: String(request.headers['persona-signature']) });
      return { ok: true };
    });
    const target = `${await listenOn(receiver)}/webhooks/persona`;
    try {
      const child = runCli([
        'fire',
        '--target',
        target,
        '--scenario',
        'failed-liveness',
        '--count',
        '2',
        '--duplicates',
        '2',
        '--json',
      ]);
      const { code, stdout } = await exitOf(child);
      expect(code).toBe(0);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { inquiryId: string; eventId: string; status: number });
      expect(lines).toHaveLength(4);
      expect(new Set(lines.map((l) => l.eventId)).size).toBe(2);
      expect(lines.every((l) => l.status === 200 && l.inquiryId.startsWith('inq_failedLiveness_'))).toBe(true);
      for (const r of received) {
        const verdict = verifyPersonaSignature({
          header: r.signature,
          rawBody: r.raw,
          secrets: [SIM_DEFAULTS.webhookSecret],
          toleranceSeconds: 300,
          nowMs: Date.now(),
        });
        expect(verdict).toEqual({ ok: true });
      }
    } finally {
      await receiver.close();
    }
  });

  it('fires every step of a lifecycle scenario in order, each after setting the step on the simulator', async () => {
    const sim = createPersonaSimulator({ apiKey: 'persona_sandbox_cli_test' });
    await sim.listen();
    // What the service would see: on each webhook, the inquiry as the simulator serves it at that moment.
    const seen: Array<{ inquiryId: string; name: string; createdAt: string; status: unknown; matches: unknown[] }> = [];
    const receiver = Fastify();
    receiver.post('/webhooks/persona', async (request) => {
      const { data } = request.body as LifecycleBody;
      const payload = data.attributes.payload.data;
      const inquiryId = payload.type === 'inquiry' ? payload.id : (payload.relationships.inquiry?.data?.id ?? '');
      const response = await fetch(`${sim.apiUrl}/inquiries/${inquiryId}?include=reports`, {
        headers: { authorization: 'Bearer persona_sandbox_cli_test' },
      });
      const inquiry = (await response.json()) as { data: { attributes: { status: string } }; included: Resource[] };
      seen.push({
        inquiryId,
        name: data.attributes.name,
        createdAt: data.attributes['created-at'],
        status: inquiry.data.attributes.status,
        matches: inquiry.included.map((r) => r.attributes['has-match']),
      });
      return { ok: true };
    });
    const target = `${await listenOn(receiver)}/webhooks/persona`;
    try {
      const args = ['fire', '--target', target, '--sim-url', sim.url, '--json'];
      const child = runCli([...args, '--scenario', 'watchlist-late', '--scenario', 'reviewer-approves']);
      const { code, stdout } = await exitOf(child);
      expect(code).toBe(0);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { scenario: string; step: number; event: string; status: number });
      expect(lines.map((l) => [l.scenario, l.step, l.event, l.status]).sort()).toEqual(
        [
          ['reviewer-approves', 0, 'inquiry.completed', 200],
          ['reviewer-approves', 1, 'inquiry.marked-for-review', 200],
          ['reviewer-approves', 2, 'inquiry.approved', 200],
          ['watchlist-late', 0, 'inquiry.completed', 200],
          ['watchlist-late', 1, 'report/watchlist.ready', 200],
          ['watchlist-late', 2, 'report/watchlist.matched', 200],
          ['watchlist-late', 3, 'report/watchlist.dismissed', 200],
        ].sort(),
      );
      const of = (prefix: string) => seen.filter((s) => s.inquiryId.startsWith(prefix));
      expect(of('inq_watchlistLate_').map((s) => [s.name, s.status, s.matches])).toEqual([
        ['inquiry.completed', 'completed', []],
        ['report/watchlist.ready', 'completed', [false]],
        ['report/watchlist.matched', 'completed', [true]],
        ['report/watchlist.dismissed', 'completed', [true]], // Persona keeps has-match on a dismissed report
      ]);
      expect(of('inq_reviewerApproves_').map((s) => [s.name, s.status])).toEqual([
        ['inquiry.completed', 'completed'],
        ['inquiry.marked-for-review', 'needs_review'],
        ['inquiry.approved', 'approved'],
      ]);
      for (const prefix of ['inq_watchlistLate_', 'inq_reviewerApproves_']) {
        const times = of(prefix).map((s) => Date.parse(s.createdAt));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(new Set(times).size).toBe(times.length);
      }
    } finally {
      await receiver.close();
      await sim.close();
    }
  });

  it('exits 2 and asks for --sim-url when a lifecycle scenario is fired without it', async () => {
    const child = runCli(['fire', '--scenario', 'reviewer-approves']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    expect((await exitOf(child)).code).toBe(2);
    expect(stderr).toContain('--sim-url (or SIM_URL) is required');
  });

  it('exits 1 when a webhook is not acknowledged and 2 on bad usage', async () => {
    const stack = await startSimulatorStack();
    stacks.push(stack);
    // The sink rejects Persona-signed webhooks (no Standard Webhooks headers): a handy non-2xx target.
    const refused = runCli(['fire', '--target', stack.downstreamUrl, '--scenario', 'all-passed']);
    expect((await exitOf(refused)).code).toBe(1);
    const bad = runCli(['fire', '--scenario', 'nope']);
    expect((await exitOf(bad)).code).toBe(2);
  });
});
