/**
 * The baselines for the ingest figure, each in its own process:
 * - bare Fastify hello-world: it answers the same requests the service gets (POST /webhooks/persona with a JSON
 *   body, parsed by Fastify's default parser) with {"hello":"world"}, and nothing else: no signature check, no
 *   database, no logging;
 * - with HELLO_VERIFY_SECRET set, the floor of any webhook receiver: the raw body kept, Persona's signature header
 *   parsed and its HMAC-SHA256 checked against the secret (constant-time), the body JSON-parsed, the event id
 *   answered; still no database and no logging. What the service does beyond this is what it costs to store.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

const secret = process.env.HELLO_VERIFY_SECRET;
if (secret === undefined) {
  app.post('/webhooks/persona', async () => ({ hello: 'world' }));
} else {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/webhooks/persona', async (request, reply) => {
    const body = request.body as Buffer;
    const header = String(request.headers['persona-signature'] ?? '');
    const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
    const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
    if (t === undefined || v1 === undefined) return reply.status(401).send({ error: 'signature' });
    const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
    if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return reply.status(401).send({ error: 'signature' });
    const event = JSON.parse(body.toString('utf8')) as { data?: { id?: string } };
    return { received: true, eventId: event.data?.id ?? null, status: 'stored' };
  });
}

const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(JSON.stringify({ msg: 'ready', url }));

const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
