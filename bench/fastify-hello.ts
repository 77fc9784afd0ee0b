/**
 * The baseline for the ingest figure: bare Fastify hello-world in its own process. It answers the same requests
 * the service gets (POST /webhooks/persona with a JSON body, parsed by Fastify's default parser) with
 * {"hello":"world"}, and nothing else: no signature check, no database, no logging.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.post('/webhooks/persona', async () => ({ hello: 'world' }));

const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(JSON.stringify({ msg: 'ready', url }));

const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
