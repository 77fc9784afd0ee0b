import { join } from 'node:path';
import autocannon, { type RequestDefinition, type Result } from 'autocannon';
import { SIM_DEFAULTS, startSimulatorStack } from '../../src/sim/stack.js';
import {
  ROOT,
  type ServiceProcess,
  startNodeProcess,
  startService,
  TSX_LOADER,
} from '../../scripts/lib/service-process.js';
import { serviceDiagnostics } from '../lib/diagnostics.js';
import { loadAverage } from '../lib/machine.js';
import type { BenchOptions } from '../lib/options.js';
import { getDecision, serviceEnv } from '../lib/service-env.js';
import { signedWebhookRequests } from '../lib/signed-webhook.js';

export interface IngestResult {
  round: number;
  label: string;
  kind: TargetKind;
  /** Mean of autocannon's one-second samples. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Webhooks the service logged as stored (warm-up included) versus 2xx answers: they must match. */
  stored: number | null;
  sent2xx: number;
  rssKb: number | null;
  /** The target's own CPU time (user + system) per answered request during the measured run. */
  cpuMsPerRequest: number | null;
  load: string;
  /** Persona calls the worker made while the load ran (worker variant only). */
  personaCalls: number | null;
}

/** hello: bare Fastify; floor: bare Fastify that checks the signature and parses the body (bench/fastify-hello.ts). */
type TargetKind = 'hello' | 'floor' | 'service';

interface Target {
  label: string;
  kind: TargetKind;
  env: Record<string, string>;
  /** The worker is on: start the simulator for it to call (decisions are stored, not delivered). */
  withSimulator?: boolean;
  /** Every webhook carries the inquiry's verifications and reports in `payload.included`. */
  included?: boolean;
}

export const FLOOR_LABEL = 'floor: bare Fastify + signature check + JSON.parse';
export const DURABLE_FLOOR_LABEL = 'durable floor: the floor + one row per webhook, group-committed, SQLite FULL';
export const DURABLE_FLOOR_OFF_LOOP_LABEL =
  'durable floor, its fsync off the event loop: NORMAL commits + fdatasync of the WAL on the thread pool';

export async function runIngest(
  options: BenchOptions,
  dir: string,
  log: (line: string) => void,
): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    const httpOnly = (sync: 'FULL' | 'NORMAL', metrics: boolean): Target => ({
      label: `service, SYNCHRONOUS=${sync}, HTTP-only${metrics ? '' : ', METRICS_ENABLED=false'}`,
      kind: 'service',
      env: { SQLITE_SYNCHRONOUS: sync, WORKER_CONCURRENCY: '0', ...(metrics ? {} : { METRICS_ENABLED: 'false' }) },
    });
    // --metrics-variant: each service target next to its twin without metrics, the order alternating by round, so
    // both see the same load and neither always goes first
    const withTwin = (sync: 'FULL' | 'NORMAL'): Target[] => {
      if (!options.metricsVariant) return [httpOnly(sync, true)];
      const pair = [httpOnly(sync, true), httpOnly(sync, false)];
      return round % 2 === 1 ? pair : pair.reverse();
    };
    const targets: Target[] = [
      { label: 'bare Fastify hello-world', kind: 'hello', env: {} },
      { label: FLOOR_LABEL, kind: 'floor', env: { HELLO_VERIFY_SECRET: SIM_DEFAULTS.webhookSecret } },
      {
        label: DURABLE_FLOOR_LABEL,
        kind: 'floor',
        env: {
          HELLO_VERIFY_SECRET: SIM_DEFAULTS.webhookSecret,
          HELLO_STORE_FILE: join(dir, `durable-floor-r${round}.db`),
        },
      },
      {
        label: DURABLE_FLOOR_OFF_LOOP_LABEL,
        kind: 'floor',
        env: {
          HELLO_VERIFY_SECRET: SIM_DEFAULTS.webhookSecret,
          HELLO_STORE_FILE: join(dir, `durable-floor-t-r${round}.db`),
          HELLO_STORE_SYNC: 'thread',
        },
      },
      ...withTwin('FULL'),
      ...withTwin('NORMAL'),
    ];
    if (options.includedVariant) {
      targets.push({
        ...httpOnly('FULL', true),
        label: 'service, SYNCHRONOUS=FULL, HTTP-only, webhooks carrying their evidence',
        included: true,
      });
    }
    if (options.workerVariant && round === 1) {
      targets.push({
        label: 'service, FULL, worker on (4) + simulator',
        kind: 'service',
        env: { SQLITE_SYNCHRONOUS: 'FULL' },
        withSimulator: true,
      });
    }
    for (const [i, target] of targets.entries()) {
      log(
        `ingest round ${round}/${options.rounds}: ${target.label} (${options.warmupSeconds} s warm-up + ${options.ingestSeconds} s, ${options.connections} connections)`,
      );
      const result = await measureTarget(target, `r${round}t${i}`, round, options, dir);
      log(`  ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, load ${result.load}`);
      results.push(result);
    }
  }
  return results;
}

async function measureTarget(
  target: Target,
  tag: string,
  round: number,
  options: BenchOptions,
  dir: string,
): Promise<IngestResult> {
  const stack = target.withSimulator
    ? await startSimulatorStack({ rateLimit: { limit: 1_000_000, windowMs: 60_000 } })
    : null;
  let proc: ServiceProcess | null = null;
  try {
    proc = await startTarget(target, tag, options, dir, stack?.env ?? null);
    const load = loadAverage();
    const included = target.included ?? false;
    const warm = signedWebhookRequests(SIM_DEFAULTS.webhookSecret, `${tag}w`, included);
    const warmResult = await fire(proc.url, warm.requests, options.warmupSeconds, options.connections);
    stack?.persona.reset();
    const measured = signedWebhookRequests(SIM_DEFAULTS.webhookSecret, `${tag}m`, included);
    const cpuBefore = proc.cpuMs();
    const result = await fire(proc.url, measured.requests, options.ingestSeconds, options.connections);
    const cpuAfter = proc.cpuMs();
    const personaCalls = stack ? stack.persona.stats().totals.requests : null;
    const rssKb = proc.peakRssKb();
    if (target.kind === 'service') {
      const first = await getDecision(proc.url, measured.firstInquiryId);
      if (!first)
        throw new Error(`${target.label}: the first measured webhook was acknowledged but its inquiry is unknown`);
    }
    await proc.stop(); // the service's log is complete once it has exited (lines are written in batches)
    let stored: number | null = null;
    if (target.kind === 'service') {
      stored = proc.readLogs().filter((l) => l.msg === 'webhook accepted' && l.status === 'stored').length;
      // autocannon stops with requests in flight: stored but not counted, at most one per connection and run
      const sent = warmResult['2xx'] + result['2xx'];
      if (stored < sent || stored > sent + 2 * options.connections) {
        throw new Error(`${target.label}: ${stored} webhooks stored for ${sent} acknowledged`);
      }
    }
    return {
      round,
      label: target.label,
      kind: target.kind,
      rps: result.requests.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      stored,
      sent2xx: warmResult['2xx'] + result['2xx'],
      rssKb: target.kind === 'service' ? rssKb : null,
      cpuMsPerRequest:
        cpuBefore !== null && cpuAfter !== null && result['2xx'] > 0 ? (cpuAfter - cpuBefore) / result['2xx'] : null,
      load,
      personaCalls,
    };
  } finally {
    await proc?.stop();
    await stack?.close();
  }
}

function startTarget(
  target: Target,
  tag: string,
  options: BenchOptions,
  dir: string,
  simEnv: Record<string, string> | null,
): Promise<ServiceProcess> {
  const logFile = join(dir, `ingest-${tag}.log`);
  if (target.kind !== 'service') {
    // a folder per target, the files named by Node: tsx's loader thread writes a profile too, and a fixed name would
    // let it overwrite the main thread's (that one is CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile: thread 0)
    const profile = options.cpuProfDir
      ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfDir, `ingest-${tag}`)}`]
      : [];
    return startNodeProcess([...profile, '--import', TSX_LOADER, join(ROOT, 'bench/fastify-hello.ts')], {
      env: target.env,
      cwd: dir,
      logFile,
    });
  }
  // the worker variant: the simulator answers; decisions are stored, not delivered (no downstream)
  const sim: Record<string, string> = simEnv
    ? { PERSONA_API_URL: simEnv.PERSONA_API_URL ?? '', PERSONA_API_KEY: simEnv.PERSONA_API_KEY ?? '' }
    : {};
  const diagnostics = serviceDiagnostics(options, `ingest-${tag}`);
  return startService({
    execArgv: diagnostics.execArgv,
    env: serviceEnv(dir, `ingest-${tag}`, { ...target.env, ...sim, ...diagnostics.env }),
    cwd: dir,
    logFile,
  });
}

async function fire(url: string, requests: RequestDefinition[], seconds: number, connections: number): Promise<Result> {
  return autocannon({ url, connections, duration: seconds, pipelining: 1, timeout: 10, requests });
}
