import { afterEach, describe, expect, it } from 'vitest';
import { toDecisionPayload } from '../../src/downstream/payload.js';
import { standardWebhookHeaders } from '../../src/downstream/sign.js';
import { createSink } from '../../src/sim/sink.js';
import type { Sink, SinkDelivery, SinkOptions } from '../../src/sim/sink.js';

const SECRET = `whsec_${Buffer.from('sink test secret, 32 bytes long!').toString('base64')}`;
const sinks: Sink[] = [];

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

async function start(options: Partial<SinkOptions> = {}): Promise<Sink> {
  const sink = createSink({ secret: SECRET, ...options });
  sinks.push(sink);
  await sink.listen();
  return sink;
}

function decisionBody(inquiryId = 'inq_allPassed_s1'): string {
  return toDecisionPayload(
    {
      decisionId: 'dec_Sink1',
      inquiryId,
      outcome: 'approved',
      reasons: [
        { code: 'all_evidence_passed', outcome: 'approved', message: 'every verification and counted report passed' },
      ],
      decidedAt: '2026-11-29T12:00:00.000Z',
      policyVersion: 'default-1',
      sequence: 1,
      eventId: 'evt_Sink1',
      eventName: 'inquiry.completed',
      evidence: { inquiryStatus: 'completed', referenceId: null, accountId: null, templateId: null },
    },
    '2026-11-29T12:00:01.000Z',
  );
}

/** POSTs like the service's downstream client: Standard Webhooks headers from src/downstream/sign.ts. */
async function deliver(
  sink: Sink,
  body: string,
  options: { webhookId?: string; tamper?: (body: string) => string; secret?: string } = {},
) {
  const headers = standardWebhookHeaders({
    secret: options.secret ?? SECRET,
    webhookId: options.webhookId ?? 'msg_Sink1',
    timestampSeconds: Math.floor(Date.now() / 1000),
    body,
  });
  const sent = options.tamper ? options.tamper(body) : body;
  const response = await fetch(`${sink.url}/decisions`, { method: 'POST', headers, body: sent });
  return response.status;
}

async function listed(sink: Sink, query = ''): Promise<SinkDelivery[]> {
  return (await (await fetch(`${sink.url}/_sink/deliveries${query}`)).json()) as SinkDelivery[];
}

describe('downstream sink', () => {
  it('accepts a correctly signed Standard Webhook with 204 and records it, parsed', async () => {
    const sink = await start();
    expect(await deliver(sink, decisionBody())).toBe(204);
    const [delivery] = await listed(sink);
    expect(delivery).toMatchObject({
      webhookId: 'msg_Sink1',
      path: '/decisions',
      verified: true,
      status: 204,
      inquiryId: 'inq_allPassed_s1',
      outcome: 'approved',
      decisionId: 'dec_Sink1',
      body: { type: 'decision.created', data: { sequence: 1 } },
    });
    expect(Date.parse(delivery?.receivedAt ?? '')).not.toBeNaN();
  });

  it('verifies the raw bytes: a body with changed whitespace is rejected although its JSON is equal', async () => {
    const sink = await start();
    const status = await deliver(sink, decisionBody(), { tamper: (body) => JSON.stringify(JSON.parse(body), null, 1) });
    expect(status).toBe(401);
  });

  it('rejects a tampered body with 401 and records it as unverified, without the body', async () => {
    const sink = await start();
    expect(await deliver(sink, decisionBody(), { tamper: (body) => body.replace('approved', 'declined') })).toBe(401);
    const [delivery] = await listed(sink);
    expect(delivery).toMatchObject({ verified: false, status: 401, body: null });
    expect(delivery?.error).toMatch(/signature/i);
  });

  it('rejects a delivery signed with another secret with 401', async () => {
    const sink = await start();
    const other = `whsec_${Buffer.from('a different secret of 32 bytes!!').toString('base64')}`;
    expect(await deliver(sink, decisionBody(), { secret: other })).toBe(401);
  });

  it('answers 400 when the Standard Webhooks headers are missing', async () => {
    const sink = await start();
    const response = await fetch(`${sink.url}/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: decisionBody(),
    });
    expect(response.status).toBe(400);
    expect((await listed(sink))[0]).toMatchObject({ verified: false, status: 400, webhookId: null });
  });

  it('fails the first N verified deliveries with the injected status, then accepts', async () => {
    const sink = await start({ failures: { failFirst: 2, failStatus: 503 } });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await deliver(sink, decisionBody(), { webhookId: `msg_${i}` }));
    expect(statuses).toEqual([503, 503, 204]);
    expect((await listed(sink)).map((d) => [d.webhookId, d.verified, d.status])).toEqual([
      ['msg_0', true, 503],
      ['msg_1', true, 503],
      ['msg_2', true, 204],
    ]);
  });

  it('answers every delivery with a permanent failure such as 410 when configured at runtime', async () => {
    const sink = await start();
    const put = await fetch(`${sink.url}/_sink/failures`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alwaysStatus: 410 }),
    });
    expect(put.status).toBe(200);
    expect([await deliver(sink, decisionBody()), await deliver(sink, decisionBody())]).toEqual([410, 410]);
    sink.setFailures({});
    expect(await deliver(sink, decisionBody())).toBe(204);
  });

  it('refuses a malformed failure configuration', async () => {
    const sink = await start();
    const put = await fetch(`${sink.url}/_sink/failures`, { method: 'PUT', body: JSON.stringify({ failFirst: -1 }) });
    expect(put.status).toBe(400);
  });

  it('filters deliveries by inquiry and clears them on POST /_sink/reset', async () => {
    const sink = await start();
    await deliver(sink, decisionBody('inq_allPassed_a'), { webhookId: 'msg_a' });
    await deliver(sink, decisionBody('inq_allPassed_b'), { webhookId: 'msg_b' });
    expect((await listed(sink, '?inquiryId=inq_allPassed_b')).map((d) => d.webhookId)).toEqual(['msg_b']);
    expect((await fetch(`${sink.url}/_sink/reset`, { method: 'POST' })).status).toBe(204);
    expect(await listed(sink)).toEqual([]);
    expect(sink.deliveries()).toEqual([]);
  });
});
