import { formatTable } from '../../scripts/lib/report.js';
import { BURST_LIMIT, type BurstResult } from '../phases/burst.js';
import type { IngestResult } from '../phases/ingest.js';
import { type LatencyResult, SIM_LATENCY_MS } from '../phases/latency.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';
import { fmt, mean, median } from './stats.js';
import { ingestRatios, targetRows } from './targets.js';

export interface RunHeader {
  startedAt: Date;
  command: string;
  code: string;
  machine: MachineInfo;
  loadAtStart: string;
  loadAtEnd: string;
  durationS: number;
}

const mb = (kb: number | null): string => (kb === null ? '—' : fmt(kb / 1024));

export function header(h: RunHeader): string {
  const m = h.machine;
  return [
    `## Run of ${h.startedAt.toISOString()}`,
    '',
    `- command: \`${h.command}\` (${fmt(h.durationS, 0)} s); code: ${h.code}`,
    `- machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}; SQLite files on ${m.dbFilesystem} ` +
      `(one 4 KiB write + fdatasync: ${fmt(m.fdatasyncMs, 2)} ms median)`,
    `- load average (1/5/15 min): ${h.loadAtStart} at the start, ${h.loadAtEnd} at the end. The machine was shared with other ` +
      'work: every process here competes with it for the CPUs, so absolute figures are low; ratios within one round are fairer.',
  ].join('\n');
}

export function ingestSection(results: readonly IngestResult[], options: BenchOptions): string {
  const rows = results.map((r) => [
    String(r.round),
    r.label,
    fmt(r.rps, 0),
    String(r.p50),
    String(r.p90),
    String(r.p99),
    r.cpuMsPerRequest === null ? '—' : fmt(r.cpuMsPerRequest, 2),
    `${r.ok}${r.non2xx + r.errors > 0 ? ` (+${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`,
    mb(r.rssKb),
    r.personaCalls === null ? '' : `${r.personaCalls} Persona calls`,
    r.load,
  ]);
  const labels = [...new Set(results.filter((r) => r.kind !== 'hello').map((r) => r.label))];
  const ratios = labels.map((label) => {
    const per = ingestRatios(results, label);
    return `- ${label}: ${per.map((x) => `${fmt(x * 100)} %`).join(', ')} of hello-world's req/s (median ${fmt(median(per) * 100)} %)`;
  });
  return [
    '### 1. Ingest: signed webhooks acknowledged per second',
    '',
    `autocannon, ${options.connections} connections, ${options.ingestSeconds} s measured after ${options.warmupSeconds} s of warm-up against the same ` +
      'process; every request a fresh `inquiry.completed` (unique event and inquiry id, ~2.3 KB) signed in `setupRequest`. ' +
      'The service runs on a new SQLite file per target; "HTTP-only" is `WORKER_CONCURRENCY=0`. Hello-world gets the same requests. ' +
      "CPU ms/req is the target process's own user+system time (from /proc) per answer: it does not depend on other work's load.",
    '',
    formatTable(
      [
        'round',
        'target',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'CPU ms/req',
        '2xx',
        'peak RSS MB',
        'worker',
        'load avg',
      ],
      rows,
    ),
    '',
    'Service ÷ hello-world, per round (same load):',
    ...ratios,
  ].join('\n');
}

export function latencySection(r: LatencyResult): string {
  const settledPer = r.calls.settled.calls / r.calls.settled.decisions;
  const polls = r.calls.polls;
  return [
    '### 2. Latency: webhook sent → decision received downstream',
    '',
    `${r.count} all-passed inquiries at ${r.ratePerSecond}/s (steady), service with its defaults (worker 4, SYNCHRONOUS=FULL), ` +
      `simulator adding ${SIM_LATENCY_MS} ms per Persona call. Persona round trip measured from the benchmark: ${fmt(r.personaRttMs)} ms (median of 10).`,
    '',
    formatTable(
      [
        'p50 ms',
        'p90 ms',
        'max ms',
        'target p50 ≤ ms',
        'send→ack',
        'ack→decided',
        'decided→sink',
        'peak RSS MB',
        'load avg',
      ],
      [
        [
          fmt(r.p50, 0),
          fmt(r.p90, 0),
          fmt(r.max, 0),
          fmt(r.personaRttMs + 50, 0),
          fmt(r.phases.sendToAck, 0),
          fmt(r.phases.ackToDecided, 0),
          fmt(r.phases.decidedToSink, 0),
          mb(r.rssKb),
          r.load,
        ],
      ],
    ),
    '',
    "Phases are medians in ms: send→ack from this process; ack→decided and decided→sink from the service's log timestamps (ms resolution) and the sink's receipt.",
    '',
    "### 3. Persona calls per decision (simulator's per-inquiry counts)",
    '',
    formatTable(
      ['inquiries', 'decisions', 'calls per decision', 'expected', "service's own count", 'outcomes'],
      [
        [
          'settled (all-passed from 2, plus one of each other settled scenario)',
          String(r.calls.settled.decisions),
          fmt(settledPer, 2),
          '1.00',
          '',
          r.calls.settled.wrongOutcomes.length === 0 ? 'all as expected' : r.calls.settled.wrongOutcomes.join('; '),
        ],
        [
          'settled, webhook carrying every verification and report (included-allowlist all; one of each settled scenario)',
          String(r.calls.included.decisions),
          fmt(r.calls.included.calls / r.calls.included.decisions, 2),
          '0.00',
          '',
          r.calls.included.wrongOutcomes.length === 0 ? 'all as expected' : r.calls.included.wrongOutcomes.join('; '),
        ],
        [
          `settles-after-polls (inquiry + verification calls: ${polls.kinds})`,
          String(polls.decisions),
          fmt(mean(polls.callsPerInquiry), 2),
          '3.00',
          fmt(mean(polls.serviceCounted), 2),
          polls.wrongOutcomes.length === 0 ? 'all as expected' : polls.wrongOutcomes.join('; '),
        ],
      ],
    ),
  ].join('\n');
}

export function burstSection(r: BurstResult): string {
  const t = r.theoretical;
  return [
    `### 4. Rate-limited burst: ${r.inquiries} inquiries, simulator limited to ${BURST_LIMIT.limit} requests per ${BURST_LIMIT.windowMs / 1000} s`,
    '',
    `Theoretical minimum: the simulator's window opens at the first request, so ${r.inquiries} calls need ${t.windows} windows; the last ` +
      `opens after ${t.windows - 1} full windows (${fmt(((t.windows - 1) * BURST_LIMIT.windowMs) / 1000)} s) and its ${t.lastWindowCalls} calls ` +
      `then take ⌈${t.lastWindowCalls}/4 workers⌉ round trips of ${fmt(t.rttMs)} ms: ${fmt(t.ms / 1000, 2)} s.`,
    '',
    formatTable(
      [
        'wall (first webhook → last decision)',
        'minimum',
        'ratio',
        'last delivery',
        'all acked after',
        'Persona calls',
        '429s',
        'peak RSS MB',
        'load avg',
      ],
      [
        [
          `${fmt(r.wallMs / 1000, 2)} s`,
          `${fmt(t.ms / 1000, 2)} s`,
          `${fmt((100 * r.wallMs) / t.ms)} %`,
          `${fmt(r.lastDeliveryMs / 1000, 2)} s`,
          `${fmt(r.ingestMs / 1000, 2)} s`,
          String(r.personaCalls),
          String(r.rateLimited),
          mb(r.rssKb),
          r.load,
        ],
      ],
    ),
    '',
    `Windows as the simulator saw them (s after the first call): ${r.windowStarts.map((w) => fmt(w / 1000, 2)).join(', ')}; ` +
      `median wait past a window's end before the next call: ${fmt(r.medianResetWaitMs, 0)} ms.`,
  ].join('\n');
}

export function targetsSection(
  ingest: IngestResult[] | null,
  latency: LatencyResult | null,
  burst: BurstResult | null,
): string {
  const rows = targetRows(ingest, latency, burst).map((t) => [
    t.target,
    t.measured,
    t.met === null ? '—' : t.met ? 'met' : 'MISSED',
    t.note,
  ]);
  return [
    '### Targets (reported, not asserted)',
    '',
    formatTable(['target', 'measured', '', 'by how much'], rows),
  ].join('\n');
}

export function rssSection(
  ingest: IngestResult[] | null,
  latency: LatencyResult | null,
  burst: BurstResult | null,
): string {
  const rows: string[][] = [];
  for (const r of ingest ?? [])
    if (r.rssKb !== null) rows.push([`1. ingest, round ${r.round}: ${r.label}`, mb(r.rssKb)]);
  if (latency) rows.push(['2–3. latency and Persona calls', mb(latency.rssKb)]);
  if (burst) rows.push([`4. burst of ${burst.inquiries}`, mb(burst.rssKb)]);
  return [
    '### 5. Peak RSS of the service (VmHWM, one process per row)',
    '',
    formatTable(['during', 'peak RSS MB'], rows),
  ].join('\n');
}
