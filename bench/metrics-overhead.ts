import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { trackWebhookResults } from '../src/http/webhook-results.js';
import { createPrometheusRecorder } from '../src/metrics/prometheus-recorder.js';

/**
 * What metrics add to one webhook, in isolation (ingest runs are too noisy to resolve a few microseconds): the
 * recorder call itself, and a Fastify route with and without the webhook-results hook, driven by inject() in
 * alternating batches. `node --import tsx bench/metrics-overhead.ts`; the ingest comparison is
 * `npm run bench -- --only ingest --metrics-variant`.
 */
const CALLS = 1_000_000;
const REQUESTS = 40_000;
const BATCHES = 20;

const recorder = createPrometheusRecorder(new Registry(), { policyVersion: 'bench' });
for (let i = 0; i < 10_000; i += 1) recorder.webhook('stored', 0.001); // warm-up
const started = performance.now();
for (let i = 0; i < CALLS; i += 1) recorder.webhook('stored', 0.0004 + (i % 7) * 0.001);
const recorderNs = ((performance.now() - started) * 1e6) / CALLS;

async function buildRoute(withMetrics: boolean) {
  const app = Fastify();
  await app.register(async (scope) => {
    const note = trackWebhookResults(scope, withMetrics ? recorder : undefined);
    scope.post('/webhooks/persona', async (request) => {
      note(request, 'stored');
      return { received: true, status: 'stored' };
    });
  });
  await app.ready();
  return app;
}

const apps = { without: await buildRoute(false), with: await buildRoute(true) };
const cpuUs = { without: 0, with: 0 };
const send = async (app: Awaited<ReturnType<typeof buildRoute>>) => {
  for (let i = 0; i < REQUESTS / BATCHES; i += 1) {
    await app.inject({ method: 'POST', url: '/webhooks/persona', payload: { a: 1 } });
  }
};
await send(apps.without); // warm-up
await send(apps.with);
for (let batch = 0; batch < BATCHES; batch += 1) {
  for (const key of batch % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
    const before = process.cpuUsage();
    await send(apps[key]);
    const used = process.cpuUsage(before);
    cpuUs[key] += used.user + used.system;
  }
}
const perRequest = (us: number) => us / REQUESTS;
console.log(`recorder.webhook(): ${recorderNs.toFixed(0)} ns per call (${CALLS} calls)`);
console.log(
  `inject() POST, CPU per request: without metrics ${perRequest(cpuUs.without).toFixed(1)} µs, with ${perRequest(cpuUs.with).toFixed(1)} µs ` +
    `(+${(perRequest(cpuUs.with) - perRequest(cpuUs.without)).toFixed(1)} µs; ${REQUESTS} requests each, ${BATCHES} alternating batches)`,
);
await apps.without.close();
await apps.with.close();
