/**
 * npm run bench:seed-decisions -- --count 100000 [--database-url sqlite:/tmp/decisions.db | postgres://…] [--seed 1]
 *
 * Fills an empty database with stored decisions for the backtest benchmark (`npm run policy -- backtest`): migrates
 * it with the service's own code, then writes, per made-up inquiry, the decision the default policy takes on
 * generated PII-free evidence (bench/lib/seed-evidence.ts), in the service's row format (decision-record.ts's
 * fields, JSON columns as the store writes them), 500 rows per INSERT. About 6 % of the inquiries get a second
 * decision: a reviewer's approval or decline in Persona after a manual review. Deterministic for a seed.
 */
import { parseArgs } from 'node:util';
import type { Insertable } from 'kysely';
import { decide } from '../src/decision/decide.js';
import type { EvidenceSummary } from '../src/decision/evidence.js';
import { defaultPolicy } from '../src/decision/policy.js';
import { connectDatabase } from '../src/store/connect.js';
import type { DecisionTable, Db } from '../src/store/database.js';
import { redactUrl } from '../src/lib/redact-url.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { personaId, pick, type Random, seedEvidence, seededRandom, STATUSES } from './lib/seed-evidence.js';

const USAGE = `npm run bench:seed-decisions -- [--count N] [--database-url URL] [--seed N]
  --count N            decisions (default 100000); about 6 % of the inquiries have two
  --database-url URL   sqlite:<path> or postgres://… (default: DATABASE_URL, else sqlite:./data/bench-decisions.db);
                       must hold no decisions yet
  --seed N             PRNG seed (default 1)`;

/** decided_at spans these two months. */
const FIRST_DECISION_MS = Date.parse('2026-10-01T00:00:00.000Z');
const SPAN_MS = 61 * 24 * 3600 * 1000;
const ROWS_PER_INSERT = 500;

interface Options {
  count: number;
  databaseUrl: string;
  seed: number;
}

function parseOptions(argv: readonly string[]): Options | null {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      count: { type: 'string', default: '100000' },
      'database-url': { type: 'string' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive whole number');
  if (!Number.isInteger(seed)) throw new Error('--seed must be a whole number');
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL ?? 'sqlite:./data/bench-decisions.db';
  return { count, databaseUrl, seed };
}

type DecisionRow = Insertable<DecisionTable>;

/** The stored decision of one evaluation, as the store writes it (toDecisionRow's columns). */
function decisionRow(
  random: Random,
  seed: number,
  evidence: ReturnType<typeof seedEvidence>,
  sequence: number,
  decidedMs: number,
): { row: DecisionRow; outcome: string } {
  const decision = decide(evidence, defaultPolicy);
  const webhook = sequence === 1 && random() < 0.4; // the zero-call path: the webhook carried the evidence
  const polls = webhook
    ? 0
    : pick(random, [
        [0, 80],
        [1, 15],
        [2, 5],
      ] as const);
  const eventMs = decidedMs - 1_500 - Math.floor(random() * 3_000);
  const eventName = pick(random, EVENT_NAMES[evidence.inquiryStatus] ?? [['inquiry.completed', 1]]);
  const summary: EvidenceSummary = {
    ...evidence,
    supersededVerificationIds: decision.supersededVerificationIds,
    polls,
    source: webhook ? 'webhook' : 'api',
    gatheredAt: new Date(webhook ? eventMs : decidedMs - 200).toISOString(),
  };
  const key = `${evidence.inquiryId}:${sequence}`;
  const row = {
    decision_id: `dec_${personaId('x', seed, key).slice(2)}`,
    inquiry_id: evidence.inquiryId,
    sequence,
    event_id: personaId('evt', seed, key),
    event_name: eventName,
    event_created_at: new Date(eventMs).toISOString(),
    outcome: decision.outcome,
    reasons: JSON.stringify(decision.reasons),
    policy_version: decision.policyVersion,
    evidence: JSON.stringify(summary),
    persona_calls: webhook ? 0 : 1 + polls,
    decided_at: new Date(decidedMs).toISOString(),
    reference_id: evidence.referenceId,
  } satisfies DecisionRow;
  return { row, outcome: decision.outcome };
}

const EVENT_NAMES: Record<string, readonly (readonly [string, number])[]> = {
  completed: [
    ['inquiry.completed', 90],
    ['report/watchlist.ready', 10],
  ],
  approved: [['inquiry.approved', 1]],
  declined: [['inquiry.declined', 1]],
  needs_review: [['inquiry.marked-for-review', 1]],
  failed: [['inquiry.failed', 1]],
  expired: [['inquiry.expired', 1]],
};

/** One inquiry: its first decision and, after a manual review on completed evidence, sometimes a reviewer's. */
function inquiryRows(random: Random, seed: number, index: number): DecisionRow[] {
  const decidedMs = FIRST_DECISION_MS + Math.floor(random() * SPAN_MS);
  const status = pick(random, STATUSES);
  const evidence = seedEvidence(random, seed, index, decidedMs - 2_000, status);
  const first = decisionRow(random, seed, evidence, 1, decidedMs);
  if (first.outcome !== 'manual_review' || status !== 'completed' || random() >= 0.5) return [first.row];
  const reviewed = { ...evidence, inquiryStatus: random() < 0.7 ? 'approved' : 'declined' };
  const laterMs = decidedMs + 600_000 + Math.floor(random() * 48 * 3_600_000);
  return [first.row, decisionRow(random, seed, reviewed, 2, laterMs).row];
}

async function seed(db: Db, options: Options): Promise<{ inquiries: number; decisions: number }> {
  const random = seededRandom(options.seed);
  let decisions = 0;
  let batch: DecisionRow[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('decisions').values(rows).execute();
      await trx.insertInto('inquiries').values(latestPerInquiry(rows)).execute();
    });
    decisions += rows.length;
  };
  let inquiries = 0;
  for (let written = 0; written < options.count; inquiries++) {
    // exactly `count` decisions: the last inquiry keeps only its first one if need be
    const rows = inquiryRows(random, options.seed, inquiries).slice(0, options.count - written);
    written += rows.length;
    // an inquiry's decisions go in one batch, so its inquiries row is written once
    if (batch.length + rows.length > ROWS_PER_INSERT) await flush();
    batch.push(...rows);
  }
  await flush();
  return { inquiries, decisions };
}

/** The inquiries rows: each inquiry decided, its newest event the last decision's. */
function latestPerInquiry(rows: readonly DecisionRow[]) {
  const latest = new Map<string, DecisionRow>();
  for (const row of rows) latest.set(row.inquiry_id, row);
  return [...latest.values()].map((row) => ({
    inquiry_id: row.inquiry_id,
    status: 'decided' as const,
    last_event_id: row.event_id,
    last_event_created_at: row.event_created_at,
    first_seen_at: row.event_created_at,
    error: null,
    updated_at: row.decided_at,
  }));
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
    return;
  }
  const database = await connectDatabase(options.databaseUrl, { sqliteSynchronous: 'NORMAL' });
  try {
    await migrateToLatest(database.db);
    const existing = await database.db
      .selectFrom('decisions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(existing.n) > 0)
      throw new Error(`the database already holds ${existing.n} decisions: seed an empty one`);
    const started = performance.now();
    const { inquiries, decisions } = await seed(database.db, options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `seeded ${inquiries} inquiries, ${decisions} decisions in ${seconds} s (${redactUrl(options.databaseUrl)})`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(`seed-decisions: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
