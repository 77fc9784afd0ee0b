// HTTP helpers for scripts/test-container.sh (Node's built-in fetch and crypto only, so the smoke test needs no
// npm install on the host). Every wait is bounded; every failure prints why and exits non-zero.
//
//   node scripts/container-smoke-http.mjs ports N                         N free loopback ports, space-separated
//   node scripts/container-smoke-http.mjs wait-ready URL SECONDS          until GET URL answers 200
//   node scripts/container-smoke-http.mjs status METHOD URL [TOKEN]       prints the HTTP status
//   node scripts/container-smoke-http.mjs send-signed URL SECRET INQUIRY  hand-signed inquiry.completed; prints JSON
//   node scripts/container-smoke-http.mjs wait-decision BASE TOKEN INQUIRY SECONDS   until status is decided
//   node scripts/container-smoke-http.mjs wait-delivery SINK INQUIRY SECONDS         until the sink verified one
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const [command, ...args] = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`container-smoke-http: ${message}\n`);
  process.exit(1);
}

async function request(method, url, { token, body, headers = {} } = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, text, json };
}

/** Calls `probe` every 250 ms until it returns a value other than undefined, or fails after `seconds`. */
async function until(seconds, what, probe) {
  const deadline = Date.now() + seconds * 1000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const result = await probe();
      if (result.done) return result.value;
      last = result.last;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    await sleep(250);
  }
  return fail(`${what}: not within ${seconds}s (last: ${last})`);
}

async function freePorts(count) {
  const servers = [];
  for (let i = 0; i < count; i += 1) {
    const server = createServer();
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    servers.push(server);
  }
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Persona's scheme: `Persona-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
function personaSignature(secret, body, t = Math.floor(Date.now() / 1000)) {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

switch (command) {
  case 'ports': {
    process.stdout.write(`${(await freePorts(Number(args[0] ?? 1))).join(' ')}\n`);
    break;
  }
  case 'wait-ready': {
    const [url, seconds] = args;
    await until(Number(seconds), `GET ${url}`, async () => {
      const r = await request('GET', url);
      return { done: r.status === 200, value: r, last: `${r.status} ${r.text.slice(0, 200)}` };
    });
    break;
  }
  case 'status': {
    const [method, url, token] = args;
    const r = await request(method, url, {
      token,
      ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
    });
    process.stdout.write(`${r.status}\n`);
    break;
  }
  case 'send-signed': {
    // A minimal envelope, built and signed here rather than by the simulator: an independent check of the
    // signature scheme the service verifies.
    const [url, secret, inquiryId] = args;
    const eventId = `evt_smoke${randomBytes(8).toString('hex')}`;
    const body = JSON.stringify({
      data: {
        type: 'event',
        id: eventId,
        attributes: {
          name: 'inquiry.completed',
          'created-at': new Date().toISOString(),
          payload: { data: { type: 'inquiry', id: inquiryId, attributes: { status: 'completed' } } },
        },
      },
    });
    const r = await request('POST', url, {
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'persona-signature': personaSignature(secret, body),
      },
    });
    process.stdout.write(`${JSON.stringify({ status: r.status, eventId, inquiryId, answer: r.json ?? r.text })}\n`);
    if (r.status !== 200) process.exit(1);
    break;
  }
  case 'wait-decision': {
    const [base, token, inquiryId, seconds] = args;
    const decision = await until(Number(seconds), `decision for ${inquiryId}`, async () => {
      const r = await request('GET', `${base}/decisions/${encodeURIComponent(inquiryId)}`, { token });
      if (r.status === 200 && r.json?.status === 'failed') fail(`inquiry ${inquiryId} failed: ${r.text}`);
      return {
        done: r.status === 200 && r.json?.status === 'decided',
        value: r.json,
        last: `${r.status} ${r.text.slice(0, 200)}`,
      };
    });
    process.stdout.write(`${JSON.stringify(decision)}\n`);
    break;
  }
  case 'wait-delivery': {
    const [sink, inquiryId, seconds] = args;
    const delivery = await until(Number(seconds), `verified sink delivery for ${inquiryId}`, async () => {
      const r = await request('GET', `${sink}/_sink/deliveries?inquiryId=${encodeURIComponent(inquiryId)}`);
      const verified = Array.isArray(r.json) ? r.json.find((d) => d.verified && d.status === 204) : undefined;
      return { done: verified !== undefined, value: verified, last: `${r.status} ${r.text.slice(0, 200)}` };
    });
    process.stdout.write(`${JSON.stringify(delivery)}\n`);
    break;
  }
  default:
    fail(`unknown command ${command ?? '(none)'}`);
}
