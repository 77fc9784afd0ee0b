import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { signPersonaPayload } from '../src/persona/signature.js';
import { buildInquiryEvent } from '../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../src/sim/inquiry-ids.js';
import { SIM_DEFAULTS } from '../src/sim/stack.js';
import { ROOT, SERVICE_ENTRY } from '../scripts/lib/service-process.js';
import { serviceEnv } from './lib/service-env.js';

/**
 * What metrics cost the webhook path, in CPU instructions rather than req/s: valgrind's callgrind counts every
 * instruction the service executes (its JIT-compiled code included), so the count does not move with the other work
 * on the machine, which makes two ingest runs a minute apart differ by up to a factor of two (docs/benchmarks.md,
 * "Metrics cost"). Each variant (metrics on, METRICS_ENABLED=false) runs the built service under callgrind, HTTP-only
 * (WORKER_CONCURRENCY=0) on SQLite, takes `--warmup` signed webhooks, zeroes the counters, takes `--requests` more
 * (4 at a time), and dumps: instructions per webhook = the dump's total / requests. Needs `npm run build` and
 * valgrind (Debian's package).
 *
 *   node --import tsx bench/metrics-instructions.ts [--requests 2000] [--warmup 500] [--repeat 2]
 */
const { values } = parseArgs({
  options: { requests: { type: 'string' }, warmup: { type: 'string' }, repeat: { type: 'string' } },
});
const REQUESTS = Number(values.requests ?? 2000);
const WARMUP = Number(values.warmup ?? 500);
const REPEAT = Number(values.repeat ?? 2);
const CONCURRENCY = 4;
const SERVICE_HOST = '127.0.0.1';
const run = promisify(execFile);

interface Variant {
  label: string;
  env: Record<string, string>;
}
const VARIANTS: Variant[] = [
  { label: 'metrics on', env: {} },
  { label: 'METRICS_ENABLED=false', env: { METRICS_ENABLED: 'false' } },
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The bench's webhook: the simulator's ~2.3 KB inquiry.completed, a fresh event and inquiry id each, signed. */
function signedWebhook(id: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(
    buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed', id), eventId: `evt_${id}` }).body,
  );
  const signature = signPersonaPayload(body, SIM_DEFAULTS.webhookSecret, Math.floor(Date.now() / 1000));
  return {
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', 'persona-signature': signature },
  };
}

async function sendWebhooks(url: string, tag: string, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      const { body, headers } = signedWebhook(`${tag}n${i}`);
      const response = await fetch(`${url}/webhooks/persona`, { method: 'POST', body, headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`webhook ${i}: ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/**
 * callgrind_control acts when the guest runs; an idle service sleeps in epoll, so GET /healthz wakes it until the
 * command returns (a few such requests fall into the counted window, the same for both variants).
 */
async function control(pid: number, flag: '-z' | '-d', url: string): Promise<void> {
  let done = false;
  // vgdb names its FIFOs after USER and HOST as the process sees them: the service's HOST is its listen address
  const env = { ...process.env, HOST: SERVICE_HOST };
  const command = run('callgrind_control', [flag, String(pid)], { env }).finally(() => (done = true));
  while (!done) {
    await fetch(`${url}/healthz`).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
    await sleep(100);
  }
  const { stdout } = await command;
  if (!stdout.includes('OK')) throw new Error(`callgrind_control ${flag} ${pid}: ${stdout.trim()}`);
}

async function dumpTotals(dir: string, url: string): Promise<number> {
  for (let tries = 0; tries < 600; tries += 1) {
    for (const name of readdirSync(dir).filter((n) => /^callgrind\.out\.\d+$/.test(n))) {
      const totals = /^totals: (\d+)$/m.exec(readFileSync(join(dir, name), 'utf8'));
      if (totals?.[1]) return Number(totals[1]);
    }
    await fetch(`${url}/healthz`).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
    await sleep(100);
  }
  throw new Error(`no complete callgrind dump in ${dir}: ${readdirSync(dir).join(', ')}`);
}

async function measure(variant: Variant, round: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'persona-decider-instructions-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = serviceEnv(dir, 'service', {
    ...variant.env,
    HOST: SERVICE_HOST,
    PORT: String(port),
    WORKER_CONCURRENCY: '0',
    SQLITE_SYNCHRONOUS: 'NORMAL',
    LOG_LEVEL: 'warn',
  });
  const child: ChildProcess = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'callgrind.out')}`, process.execPath, SERVICE_ENTRY],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('valgrind did not start');
    for (let tries = 0; ; tries += 1) {
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (tries > 1200) throw new Error('the service did not become ready under valgrind within 10 min');
      await sleep(500);
    }
    await sendWebhooks(url, `r${round}w`, WARMUP);
    await control(pid, '-z', url);
    await sendWebhooks(url, `r${round}m`, REQUESTS);
    await control(pid, '-d', url);
    // the dump callgrind_control asked for: callgrind.out.<n>, complete once its `totals:` line is written
    const totals = await dumpTotals(dir, url);
    return totals / REQUESTS;
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map<string, number[]>(VARIANTS.map((v) => [v.label, []]));
for (let round = 1; round <= REPEAT; round += 1) {
  // both variants at once: an instruction count does not depend on sharing the CPUs
  const counts = await Promise.all(VARIANTS.map((variant) => measure(variant, round)));
  counts.forEach((count, i) => results.get(VARIANTS[i]?.label ?? '')?.push(count));
  process.stdout.write(
    `round ${round}: ${VARIANTS.map((v, i) => `${v.label} ${Math.round(counts[i] ?? 0).toLocaleString('en')}`).join(', ')} instructions per webhook\n`,
  );
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const on = mean(results.get('metrics on') ?? []);
const off = mean(results.get('METRICS_ENABLED=false') ?? []);
process.stdout.write(
  `mean: metrics on ${Math.round(on).toLocaleString('en')}, off ${Math.round(off).toLocaleString('en')} instructions per webhook: ` +
    `metrics add ${(((on - off) / off) * 100).toFixed(2)} % (${REQUESTS} webhooks after ${WARMUP} of warm-up, ${REPEAT} rounds)\n`,
);
