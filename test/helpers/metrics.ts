import type { FastifyInstance } from 'fastify';
import { buildVerification } from '../../src/sim/persona-verifications.js';

/** A government id that passed: all the evidence an `approved` decision needs (for interceptInquiry). */
export function passedGovernmentId(id: string) {
  return buildVerification({
    id,
    type: 'verification/government-id',
    status: 'passed',
    createdAt: '2026-11-29T09:00:00.000Z',
    checks: [{ name: 'id_expired_detection', status: 'passed' }],
  });
}

/** GET /metrics on the app; throws unless it answers 200 in Prometheus text format. */
export async function scrapeMetrics(app: FastifyInstance, headers: Record<string, string> = {}): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers });
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}: ${res.body}`);
  if (!String(res.headers['content-type']).startsWith('text/plain; version=0.0.4')) {
    throw new Error(`GET /metrics answered content-type ${String(res.headers['content-type'])}`);
  }
  return res.body;
}

/**
 * One sample's value from a scrape: the line whose name is `name` and whose labels include every one of `labels`
 * (others may be there too); undefined when there is none, an error when several lines match.
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = parseSamples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label values as written: this service's never need escapes). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) {
      labels[pair[1] ?? ''] = pair[2] ?? '';
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** Every metric family a scrape declares (`# TYPE` lines), with its type. */
export function declaredMetrics(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1] ?? '', match[2] ?? '');
  return families;
}
