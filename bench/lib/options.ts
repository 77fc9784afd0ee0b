import { parseArgs } from 'node:util';

/** What `npm run bench -- …` accepts. Every duration is configurable so a run fits the time at hand. */
export interface BenchOptions {
  phases: ReadonlySet<Phase>;
  /** Measured seconds per ingest target, after `warmupSeconds` against the same process. */
  ingestSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Ingest rounds; each round measures every target once, interleaved, so they share the machine's load. */
  rounds: number;
  /** Also measure ingest with the worker on and the simulator answering. */
  workerVariant: boolean;
  /** Also measure each HTTP-only service target with METRICS_ENABLED=false, next to it: the cost of metrics. */
  metricsVariant: boolean;
  /** Also measure HTTP-only ingest (FULL) with webhooks that carry their evidence in `payload.included`. */
  includedVariant: boolean;
  latencyCount: number;
  /** Webhooks per second in the latency phase: steady, so it measures latency and not queueing. */
  latencyRate: number;
  pollCount: number;
  burstCount: number;
  /** Folder for `node --cpu-prof` profiles of the service (ingest and burst); none when unset. */
  cpuProfDir: string | null;
  /** Folder for per-SQL-statement counts and times of the service (diagnostics; adds a little overhead). */
  sqlTraceDir: string | null;
  /** Also write the markdown report here. */
  out: string | null;
  quick: boolean;
}

export type Phase = 'ingest' | 'latency' | 'burst';
const PHASES: readonly Phase[] = ['ingest', 'latency', 'burst'];

export const USAGE = `npm run bench [-- options]
  --quick                 short run (~1 min): 3 s ingest, 1 round, 15 latency webhooks, 90-inquiry burst
  --only ingest,latency,burst
  --ingest-seconds N      measured seconds per ingest target (default 10)
  --warmup-seconds N      warm-up per ingest target (default 2)
  --connections N         autocannon connections (default 10)
  --rounds N              ingest rounds, targets interleaved (default 2)
  --no-worker-variant     skip ingest with the worker on
  --metrics-variant       each HTTP-only target also with METRICS_ENABLED=false, right next to it (the metrics' cost)
  --included-variant      also FULL HTTP-only ingest of webhooks carrying every verification and report
                          (payload.included: the zero-call path's intake cost)
  --latency-count N       webhooks in the latency phase (default 40)
  --latency-rate N        webhooks per second there (default 5)
  --poll-count N          settles-after-polls inquiries (default 5)
  --burst N               inquiries in the rate-limited burst (default 300)
  --cpu-prof DIR          write node --cpu-prof profiles of the service processes to DIR
                          (summarise one: node --import tsx bench/profile-summary.ts FILE)
  --sql-trace DIR         write per-SQL-statement counts and times of the service processes to DIR
                          (summarise one: node --import tsx bench/sql-trace-summary.ts FILE)
  --out FILE              also write the markdown report to FILE`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'ingest-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      'no-worker-variant': { type: 'boolean', default: false },
      'metrics-variant': { type: 'boolean', default: false },
      'included-variant': { type: 'boolean', default: false },
      'latency-count': { type: 'string' },
      'latency-rate': { type: 'string' },
      'poll-count': { type: 'string' },
      burst: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'sql-trace': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  return {
    phases: parsePhases(values.only),
    ingestSeconds: num(values['ingest-seconds'], quick ? 3 : 10, 'ingest-seconds'),
    warmupSeconds: num(values['warmup-seconds'], quick ? 1 : 2, 'warmup-seconds'),
    connections: num(values.connections, 10, 'connections'),
    rounds: num(values.rounds, quick ? 1 : 2, 'rounds'),
    workerVariant: !values['no-worker-variant'],
    metricsVariant: values['metrics-variant'],
    includedVariant: values['included-variant'],
    latencyCount: num(values['latency-count'], quick ? 15 : 40, 'latency-count'),
    latencyRate: num(values['latency-rate'], 5, 'latency-rate'),
    pollCount: num(values['poll-count'], quick ? 3 : 5, 'poll-count'),
    burstCount: num(values.burst, quick ? 90 : 300, 'burst'),
    cpuProfDir: values['cpu-prof'] ?? null,
    sqlTraceDir: values['sql-trace'] ?? null,
    out: values.out ?? null,
    quick,
  };
}

function parsePhases(text: string | undefined): ReadonlySet<Phase> {
  if (text === undefined) return new Set(PHASES);
  const picked = text.split(',').map((p) => p.trim());
  const unknown = picked.filter((p) => !PHASES.includes(p as Phase));
  if (unknown.length > 0)
    throw new Error(`--only: unknown phase(s) ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  return new Set(picked as Phase[]);
}

function num(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}
