import { createHash } from 'node:crypto';
import type { CheckEvidence, Evidence, ReportEvidence, VerificationEvidence } from '../../src/decision/evidence.js';

/**
 * PII-free evidence of made-up inquiries for bench/seed-decisions.ts: a realistic mix of templates, tags, risk
 * signals (`behaviors`), verification outcomes (passed, declined checks, other failures, retries, second attempts,
 * earlier fraud signals), screening reports (clear, matched, dismissed, errored) and Persona statuses (completed
 * mostly; approved, declined or marked for review by a reviewer; failed; expired). Deterministic for a seed.
 */
export type Random = () => number;

/** mulberry32: a small, fast, seedable PRNG (figures must be reproducible, so not Math.random). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One value by weight: `[[value, weight], …]`. */
export function pick<T>(random: Random, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, weight] of weighted) {
    r -= weight;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

/** A Persona-looking id (`inq_…`, 24 characters after the prefix), unique per (seed, key). */
export function personaId(prefix: string, seed: number, key: string): string {
  return `${prefix}_${createHash('sha256').update(`${seed}:${key}`).digest('hex').slice(0, 24)}`;
}

export const TEMPLATES: readonly (readonly [string | null, number])[] = [
  ['itmpl_KycStandard01', 55],
  ['itmpl_KycLite02', 25],
  ['itmpl_KybBusiness03', 12],
  ['tmpl_Legacy04', 5],
  [null, 3],
];

const TAGS: readonly (readonly [string[], number])[] = [
  [[], 70],
  [['returning'], 14],
  [['vip'], 7],
  [['FRAUD'], 4],
  [['FRAUD', 'returning'], 2],
  [['partner-referral', 'vip'], 3],
];

export const STATUSES: readonly (readonly [string, number])[] = [
  ['completed', 84],
  ['approved', 4],
  ['declined', 2],
  ['needs_review', 2],
  ['failed', 4],
  ['expired', 4],
];

const GOV_ID_CHECKS = [
  'id_aamva_database_lookup',
  'id_account_comparison',
  'id_age_inconsistency_detection',
  'id_barcode_detection',
  'id_blur_detection',
  'id_color_inconsistency_detection',
  'id_compromised_detection',
  'id_expired_detection',
  'id_fabrication_detection',
  'id_glare_detection',
  'id_mrz_detection',
  'id_po_box_detection',
  'id_tamper_detection',
];
const SELFIE_CHECKS = [
  'selfie_id_comparison',
  'selfie_liveness_detection',
  'selfie_multiple_faces_detection',
  'selfie_suspicious_entity_detection',
];
const DATABASE_CHECKS = ['database_address_detection', 'database_deceased_detection', 'database_identity_detection'];
const REQUIRED = new Set([
  'id_barcode_detection',
  'id_compromised_detection',
  'id_expired_detection',
  'id_fabrication_detection',
  'id_tamper_detection',
  'selfie_id_comparison',
  'selfie_liveness_detection',
  'database_deceased_detection',
  'database_identity_detection',
]);

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checks(names: readonly string[], failed: readonly string[]): CheckEvidence[] {
  return names.map((name) => ({
    name,
    status: failed.includes(name) ? 'failed' : 'passed',
    requirement: REQUIRED.has(name) ? 'required' : 'not_required',
    reasons: failed.includes(name) ? [name.replace(/_detection$/, '').replace(/^(id|selfie|database)_/, '')] : [],
  }));
}

interface VerificationSpec {
  type: string;
  names: readonly string[];
  /** [status, failed checks] by weight */
  outcomes: readonly (readonly [readonly [string, readonly string[]], number])[];
}

const VERIFICATIONS: Record<'gov' | 'selfie' | 'database', VerificationSpec> = {
  gov: {
    type: 'verification/government-id',
    names: GOV_ID_CHECKS,
    outcomes: [
      [['passed', []], 86],
      [['failed', ['id_expired_detection']], 3],
      [['failed', ['id_tamper_detection', 'id_color_inconsistency_detection']], 1],
      [['failed', ['id_barcode_detection']], 3],
      [['failed', ['id_glare_detection']], 1],
      [['requires_retry', ['id_blur_detection']], 3],
      [['passed', ['id_po_box_detection']], 3],
    ],
  },
  selfie: {
    type: 'verification/selfie',
    names: SELFIE_CHECKS,
    outcomes: [
      [['passed', []], 92],
      [['failed', ['selfie_liveness_detection']], 3],
      [['failed', ['selfie_id_comparison']], 3],
      [['skipped', []], 2],
    ],
  },
  database: {
    type: 'verification/database',
    names: DATABASE_CHECKS,
    outcomes: [
      [['passed', []], 90],
      [['failed', ['database_identity_detection']], 8],
      [['failed', ['database_deceased_detection']], 1],
      [['skipped', []], 1],
    ],
  },
};

function attempt(spec: VerificationSpec, id: string, status: string, failed: readonly string[], at: number) {
  return {
    id,
    type: spec.type,
    status,
    createdAt: iso(at),
    completedAt: iso(at + 20_000),
    checks: checks(spec.names, failed),
  } satisfies VerificationEvidence;
}

function verifications(random: Random, seed: number, key: string, at: number): VerificationEvidence[] {
  if (random() < 0.02) return [];
  const kinds: ('gov' | 'selfie' | 'database')[] = ['gov'];
  if (random() < 0.8) kinds.push('selfie');
  if (random() < 0.3) kinds.push('database');
  return kinds.flatMap((kind, index) => {
    const spec = VERIFICATIONS[kind];
    const start = at + index * 60_000;
    const [status, failed] = pick(random, spec.outcomes);
    const latest = attempt(spec, personaId('ver', seed, `${key}:${kind}`), status, failed, start + 90_000);
    // a second attempt: a blurry first photo, now and then a forged one (an earlier fraud signal)
    if (kind !== 'gov' || random() >= 0.06) return [latest];
    const firstFailed = random() < 0.2 ? ['id_fabrication_detection'] : ['id_blur_detection', 'id_glare_detection'];
    const first = attempt(spec, personaId('ver', seed, `${key}:${kind}:1`), 'failed', firstFailed, start);
    return [first, latest];
  });
}

const REPORTS: readonly { type: string; share: number; match: number }[] = [
  { type: 'report/watchlist', share: 0.9, match: 0.04 },
  { type: 'report/politically-exposed-person', share: 0.5, match: 0.03 },
  { type: 'report/adverse-media', share: 0.4, match: 0.02 },
];

function reports(random: Random, seed: number, key: string, at: number): ReportEvidence[] {
  return REPORTS.filter((r) => random() < r.share).map((r) => {
    const errored = random() < 0.005;
    const hasMatch = !errored && random() < r.match;
    const report: ReportEvidence = {
      id: personaId('rep', seed, `${key}:${r.type}`),
      type: r.type,
      status: errored ? 'errored' : 'ready',
      hasMatch: errored ? null : hasMatch,
      createdAt: iso(at),
      completedAt: iso(at + 5_000),
    };
    // a third of the matches were dismissed by a reviewer in Persona
    return hasMatch && random() < 0.33 ? { ...report, matchDismissedAt: iso(at + 3_600_000) } : report;
  });
}

function behaviors(random: Random): Record<string, number | boolean> {
  if (random() < 0.1) return {}; // webhooks and decisions from before behaviors were kept
  const bot = random() < 0.05 ? 70 + random() * 30 : Math.pow(random(), 3) * 60;
  return {
    'bot-score': Math.round(bot),
    'completion-time': Math.round(30 + random() * 870),
    'request-spoof-attempts': random() < 0.03 ? 1 + Math.floor(random() * 3) : 0,
    'user-agent-spoof-attempts': random() < 0.02 ? 1 : 0,
    'distraction-events': Math.floor(random() * 6),
    'hesitation-percentage': Math.round(random() * 1000) / 10,
    'devtools-open': random() < 0.02,
  };
}

/** The evidence of inquiry number `index`, gathered at `at` (epoch ms), with the given Persona status. */
export function seedEvidence(random: Random, seed: number, index: number, at: number, status: string): Evidence {
  const key = String(index);
  return {
    inquiryId: personaId('inq', seed, key),
    inquiryStatus: status,
    referenceId: `user_${index}`,
    accountId: personaId('act', seed, key),
    templateId: pick(random, TEMPLATES),
    tags: pick(random, TAGS),
    behaviors: behaviors(random),
    verifications: verifications(random, seed, key, at - 600_000),
    reports: reports(random, seed, key, at - 120_000),
  };
}
