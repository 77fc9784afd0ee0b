import type { BurstResult } from '../phases/burst.js';
import type { IngestResult } from '../phases/ingest.js';
import type { LatencyResult } from '../phases/latency.js';
import { fmt, median } from './stats.js';

/** The figures issue 5 sets; the benchmark reports them, nothing asserts. */
export interface TargetRow {
  target: string;
  measured: string;
  met: boolean | null;
  note: string;
}

const RSS_LIMIT_MB = 200;

/** service acks/s ÷ hello-world req/s, per round (same load), for one service label. */
export function ingestRatios(results: readonly IngestResult[], label: string): number[] {
  const rounds = [...new Set(results.map((r) => r.round))];
  return rounds.flatMap((round) => {
    const hello = results.find((r) => r.round === round && r.kind === 'hello');
    const service = results.find((r) => r.round === round && r.label === label);
    return hello && service && hello.rps > 0 ? [service.rps / hello.rps] : [];
  });
}

export function targetRows(
  ingest: readonly IngestResult[] | null,
  latency: LatencyResult | null,
  burst: BurstResult | null,
): TargetRow[] {
  const rows: TargetRow[] = [];
  if (ingest) {
    for (const label of [...new Set(ingest.filter((r) => r.kind === 'service').map((r) => r.label))]) {
      const ratio = median(ingestRatios(ingest, label));
      if (!Number.isFinite(ratio)) continue;
      rows.push({
        target: `ingest ≥ 50 % of bare Fastify (${label})`,
        measured: `${fmt(ratio * 100)} %`,
        met: ratio >= 0.5,
        note: ratio >= 0.5 ? '' : `missed by ${fmt((0.5 - ratio) * 100)} points (${fmt(0.5 / ratio)}× short)`,
      });
    }
  }
  if (latency) {
    const limit = latency.personaRttMs + 50;
    rows.push({
      target: 'latency p50 ≤ Persona round trip + 50 ms',
      measured: `${fmt(latency.p50, 0)} ms (limit ${fmt(limit, 0)} ms)`,
      met: latency.p50 <= limit,
      note: latency.p50 <= limit ? '' : `over by ${fmt(latency.p50 - limit, 0)} ms`,
    });
    const callsPerDecision = (target: string, group: { calls: number; decisions: number }, expected: number) => {
      const measured = group.calls / group.decisions;
      rows.push({ target, measured: fmt(measured, 2), met: measured === expected, note: '' });
    };
    callsPerDecision('1.0 Persona call per settled decision', latency.calls.settled, 1);
    callsPerDecision(
      '0 Persona calls per settled decision whose webhook carries the evidence',
      latency.calls.included,
      0,
    );
  }
  if (burst) {
    const ratio = burst.wallMs / burst.theoretical.ms;
    rows.push({
      target: 'burst within 110 % of the theoretical minimum',
      measured: `${fmt(ratio * 100)} % (${fmt(burst.wallMs / 1000)} s vs ${fmt(burst.theoretical.ms / 1000)} s)`,
      met: ratio <= 1.1,
      note: ratio <= 1.1 ? '' : `over by ${fmt((burst.wallMs - 1.1 * burst.theoretical.ms) / 1000)} s`,
    });
    const share = burst.personaCalls > 0 ? burst.rateLimited / burst.personaCalls : 0;
    rows.push({
      target: '≤ 1 % of Persona calls answered 429',
      measured: `${burst.rateLimited} of ${burst.personaCalls} (${fmt(share * 100)} %)`,
      met: share <= 0.01,
      note: '',
    });
  }
  const peaks = [...(ingest ?? []).map((r) => r.rssKb), latency?.rssKb ?? null, burst?.rssKb ?? null].filter(
    (v): v is number => v !== null,
  );
  if (peaks.length > 0) {
    const peakMb = Math.max(...peaks) / 1024;
    rows.push({
      target: `service peak RSS < ${RSS_LIMIT_MB} MB`,
      measured: `${fmt(peakMb)} MB (highest of all runs)`,
      met: peakMb < RSS_LIMIT_MB,
      note: '',
    });
  }
  return rows;
}
