import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PolicyCliIo, runPolicyCli } from '../../src/backtest/run-policy-cli.js';
import type { Evidence } from '../../src/decision/evidence.js';
import { createManualClock } from '../../src/lib/clock.js';
import { connectDatabase } from '../../src/store/connect.js';
import type { DatabaseHandle } from '../../src/store/database-handle.js';
import { createDecisionStore } from '../../src/store/decision-store.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import {
  check,
  cleanEvidence,
  engineDecision,
  evidence,
  GOV_ID,
  report,
  SELFIE,
  verification,
  WATCHLIST,
} from '../helpers/decision-fixtures.js';
import { dialectTitle, storeDialects } from '../store/dialects.js';

/**
 * The backtest over a store seeded through the decision store's own save, on SQLite and PostgreSQL: every count,
 * example and reason change below is worked out by hand from the candidate policy, not read back from the engine.
 */
const CANDIDATE = {
  version: 'candidate-1',
  rules: [
    {
      name: 'bots',
      when: '"bot-score" in inquiry.behaviors && inquiry.behaviors["bot-score"] >= 80',
      then: 'manual_review',
    },
  ],
  // the lite template counts no report: a watchlist match no longer asks for review there
  templates: { itmpl_lite: { reportTypes: [] } },
};

const DAY1 = '2026-11-01T10:00:00.000Z';
const DAY2 = '2026-11-02T10:00:00.000Z';
const DAY3 = '2026-11-03T10:00:00.000Z';

const clean = (behaviors: Evidence['behaviors'] = {}, templateId = 'itmpl_test'): Evidence => ({
  ...cleanEvidence(),
  behaviors,
  templateId,
});
const matched = (behaviors: Evidence['behaviors'] = {}, templateId = 'itmpl_test'): Evidence => ({
  ...evidence([verification(GOV_ID, 'passed'), verification(SELFIE, 'passed')], [report(WATCHLIST, 'ready', true)]),
  behaviors,
  templateId,
});

/** inquiry, when it was decided, its evidence; stored by the default policy, in this order. */
const SEEDS: { inquiryId: string; at: string; evidence: Evidence }[] = [
  // stored approved; a bot: the candidate sends it to review
  { inquiryId: 'inq_a1', at: DAY1, evidence: clean({ 'bot-score': 95 }) },
  { inquiryId: 'inq_a2', at: DAY1, evidence: clean({ 'bot-score': 10 }) },
  // no bot-score at all: the rule is false, not an error
  { inquiryId: 'inq_a3', at: DAY2, evidence: clean() },
  // another template, whose id differs from the lite one only in case (SQLite's LIKE would take it for it)
  { inquiryId: 'inq_x1', at: DAY1, evidence: clean({}, 'itmpl_LITE') },
  // stored manual_review on the watchlist match; the lite template ignores reports: approved
  { inquiryId: 'inq_l1', at: DAY1, evidence: matched({}, 'itmpl_lite') },
  // the same, but a bot: manual_review again, for another reason
  { inquiryId: 'inq_l2', at: DAY2, evidence: matched({ 'bot-score': 90 }, 'itmpl_lite') },
  // declined on a liveness check; the bot rule asks for less than that
  {
    inquiryId: 'inq_d1',
    at: DAY2,
    evidence: {
      ...evidence([
        verification(GOV_ID, 'passed'),
        verification(SELFIE, 'failed', { checks: [check('selfie_liveness_detection')] }),
      ]),
      behaviors: { 'bot-score': 99 },
    },
  },
  // Persona's own decisions: a reviewer's approval of a bot, and a failed inquiry
  { inquiryId: 'inq_p1', at: DAY3, evidence: { ...clean({ 'bot-score': 99 }), inquiryStatus: 'approved' } },
  { inquiryId: 'inq_p2', at: DAY1, evidence: { ...clean(), inquiryStatus: 'failed' } },
  // two decisions: a manual review on day 1, the reviewer's approval on day 3 (the current one)
  { inquiryId: 'inq_m1', at: DAY1, evidence: matched() },
  { inquiryId: 'inq_m1', at: DAY3, evidence: { ...matched(), inquiryStatus: 'approved' } },
];

async function seed(database: DatabaseHandle): Promise<void> {
  await migrateToLatest(database.db);
  const clock = createManualClock();
  const store = createDecisionStore({ db: database.db, clock });
  for (const [index, s] of SEEDS.entries()) {
    clock.set(Date.parse(s.at));
    const createdAt = new Date(Date.parse(s.at) - 60_000).toISOString();
    const saved = await store.save(
      engineDecision({
        inquiryId: s.inquiryId,
        eventId: `evt_${index}`,
        eventCreatedAt: createdAt,
        evidence: s.evidence,
      }),
    );
    if (!saved) throw new Error(`seed ${s.inquiryId} was not saved`);
  }
  // reviewed by an operator in this service: declined where the engine asked for a review; a review stands, so it
  // is reported apart, whatever the candidate decides on the same evidence (manual_review)
  clock.set(Date.parse(DAY2));
  const held = await store.save(
    engineDecision({ inquiryId: 'inq_r1', eventId: 'evt_r1', eventCreatedAt: DAY1, evidence: matched() }),
  );
  if (!held) throw new Error('seed inq_r1 was not saved');
  // the review reads the inquiry's state, which intake and the worker keep (this seed writes decisions only)
  await database.db
    .insertInto('inquiries')
    .values({
      inquiry_id: 'inq_r1',
      status: 'decided',
      last_event_id: 'evt_r1',
      last_event_created_at: DAY1,
      first_seen_at: DAY1,
      error: null,
      updated_at: DAY2,
    })
    .execute();
  clock.set(Date.parse(DAY2) + 3_600_000);
  const reviewed = await store.review({
    inquiryId: 'inq_r1',
    outcome: 'declined',
    note: 'the document was edited',
    actor: 'alice',
    policyVersion: 'default-2',
  });
  if (reviewed.status !== 'reviewed') throw new Error(`seed inq_r1 was not reviewed: ${reviewed.status}`);
  // a row this version cannot read: reported, not compared, and it stops nothing
  await database.db
    .insertInto('decisions')
    .values({
      decision_id: 'dec_unreadable',
      inquiry_id: 'inq_z1',
      sequence: 1,
      event_id: 'evt_z1',
      event_name: 'inquiry.completed',
      event_created_at: DAY3,
      outcome: 'approved',
      reasons: '[]',
      policy_version: 'default-2',
      evidence: '{"inquiryId":',
      persona_calls: 1,
      decided_at: DAY3,
      reference_id: null,
    })
    .execute();
}

/** Every row of the tables the seed wrote, in a fixed order: what must be the same after a backtest. */
async function snapshot(database: DatabaseHandle): Promise<unknown> {
  const decisions = await sql`select * from decisions order by decision_id`.execute(database.db);
  const inquiries = await sql`select * from inquiries order by inquiry_id`.execute(database.db);
  const migrations = await sql`select name from kysely_migration order by name`.execute(database.db);
  return { decisions: decisions.rows, inquiries: inquiries.rows, migrations: migrations.rows };
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(databaseUrl: string): (...argv: string[]) => Promise<CliRun> {
  return async (...argv) => {
    let stdout = '';
    let stderr = '';
    let clock = 0;
    const io: PolicyCliIo = {
      env: { DATABASE_URL: databaseUrl },
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      now: () => (clock += 500),
      peakRssBytes: () => 100 * 2 ** 20,
    };
    const code = await runPolicyCli(argv, io);
    return { code, stdout, stderr };
  };
}

const dir = mkdtempSync(join(tmpdir(), 'persona-decider-backtest-'));
const candidateFile = join(dir, 'candidate.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(storeDialects)('npm run policy -- backtest', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    let url = '';
    let cleanup: (() => Promise<void>) | undefined;
    let before: { rows: unknown; file: string | null };
    let run: ReturnType<typeof cli>;

    /** Every row the seed wrote and, on SQLite, the database file's bytes (the writer closed: no WAL left). */
    const state = async (): Promise<{ rows: unknown; file: string | null }> => {
      const database = await connectDatabase(url);
      try {
        const rows = await snapshot(database);
        await database.close();
        return { rows, file: d.dialect === 'sqlite' ? fileHash(url.slice('sqlite:'.length)) : null };
      } catch (error) {
        await database.close();
        throw error;
      }
    };

    beforeAll(async () => {
      writeFileSync(candidateFile, JSON.stringify(CANDIDATE));
      const created = await d.createDatabase();
      url = created.url;
      cleanup = created.cleanup;
      const database = await connectDatabase(url);
      try {
        await seed(database);
      } finally {
        await database.close();
      }
      before = await state();
      run = cli(url);
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it('gives the hand-computed table, Persona-status decisions apart, and the reason changes (--json)', async () => {
      const { code, stdout, stderr } = await run('backtest', candidateFile, '--json', '--batch-size', '2');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const result = JSON.parse(stdout) as Record<string, unknown>;
      expect(result).toEqual({
        candidate: { file: candidateFile, version: 'candidate-1' },
        database: expect.stringMatching(d.dialect === 'sqlite' ? /^sqlite:/ : /^postgres/),
        filter: { since: null, until: null, templateId: null },
        pendingMigrations: [],
        read: 12,
        compared: 11,
        unreadable: {
          count: 1,
          examples: [
            {
              decisionId: 'dec_unreadable',
              inquiryId: 'inq_z1',
              problem: 'decision row dec_unreadable (inquiry inq_z1) does not parse: evidence: is not JSON',
            },
          ],
        },
        storedPolicyVersions: [{ version: 'default-2', count: 11 }],
        evidence: {
          total: 7,
          changed: 2,
          transitions: [
            { from: 'approved', to: 'approved', count: 3, examples: ['inq_a2', 'inq_a3', 'inq_x1'] },
            { from: 'approved', to: 'manual_review', count: 1, examples: ['inq_a1'] },
            { from: 'declined', to: 'declined', count: 1, examples: ['inq_d1'] },
            { from: 'manual_review', to: 'approved', count: 1, examples: ['inq_l1'] },
            { from: 'manual_review', to: 'manual_review', count: 1, examples: ['inq_l2'] },
          ],
        },
        personaStatus: {
          total: 3,
          changed: 0,
          transitions: [
            { from: 'approved', to: 'approved', count: 2, examples: ['inq_m1', 'inq_p1'] },
            { from: 'declined', to: 'declined', count: 1, examples: ['inq_p2'] },
          ],
        },
        // the operator's decline of a watchlist match: not a policy's change, and not in reasonChanges
        reviewed: {
          total: 1,
          changed: 1,
          transitions: [{ from: 'declined', to: 'manual_review', count: 1, examples: ['inq_r1'] }],
        },
        reasonChanges: [
          // a1, l2, d1, and p1's engine (kept as info under Persona's approval)
          { code: 'rule_bots', added: 4, removed: 0 },
          // l1 is now unanimous; a1 and p1's engine no longer are
          { code: 'all_evidence_passed', added: 1, removed: 2 },
          { code: 'report_match', added: 0, removed: 2 },
          { code: 'report_not_counted', added: 2, removed: 0 },
          // p1: the reviewer approved what the candidate's engine would review
          { code: 'engine_disagrees', added: 1, removed: 0 },
        ],
        // the bots rule guards its key: it never fails
        ruleErrors: [],
      });
    });

    it('prints the same as a table for people', async () => {
      const { code, stdout } = await run('backtest', candidateFile);
      expect(code).toBe(0);
      expect(stdout.replace(/database: {2}\S+/, 'database:  URL')).toBe(
        [
          `Backtest of policy candidate-1 (${candidateFile})`,
          '  database:  URL',
          '  decided:   any time',
          '  template:  every template',
          '  read 12 current decisions, compared 11, stored under default-2 (11)',
          '  1 stored decision(s) could not be read and were not compared, e.g.:',
          '    decision row dec_unreadable (inquiry inq_z1) does not parse: evidence: is not JSON',
          '',
          'Decided on the evidence: 7 decisions, 2 would change',
          '  stored         candidate      count  examples',
          '  approved       approved           3',
          '  approved       manual_review      1  inq_a1',
          '  declined       declined           1',
          '  manual_review  approved           1  inq_l1',
          '  manual_review  manual_review      1',
          '',
          "Decided by Persona's status (only personaDecisions and inquiryOutcomes move these): 3 decisions, 0 would change",
          '  stored    candidate  count  examples',
          '  approved  approved       2',
          '  declined  declined       1',
          '',
          'Reviewed by an operator here (a review stands; candidate: what it decides on the same evidence): 1 decisions, 1 where candidate differs',
          '  stored    candidate      count  examples',
          '  declined  manual_review      1  inq_r1',
          '',
          'Reason codes that changed most:',
          '  code                 added  removed',
          '  rule_bots               +4       -0',
          '  all_evidence_passed     +1       -2',
          '  report_match            +0       -2',
          '  report_not_counted      +2       -0',
          '  engine_disagrees        +1       -0',
          '',
        ].join('\n'),
      );
    });

    it('reads only the decisions decided in the window, each inquiry by its current decision', async () => {
      // day 2 on: inq_m1 counts by its day-3 approval, never by its day-1 review
      const since = JSON.parse((await run('backtest', candidateFile, '--json', '--since', '2026-11-02')).stdout);
      expect(since).toMatchObject({ filter: { since: '2026-11-02T00:00:00.000Z' }, read: 7, compared: 6 });
      expect(since.reviewed.transitions).toEqual([
        { from: 'declined', to: 'manual_review', count: 1, examples: ['inq_r1'] },
      ]);
      expect(since.evidence.transitions).toEqual([
        { from: 'approved', to: 'approved', count: 1, examples: ['inq_a3'] },
        { from: 'declined', to: 'declined', count: 1, examples: ['inq_d1'] },
        { from: 'manual_review', to: 'manual_review', count: 1, examples: ['inq_l2'] },
      ]);
      expect(since.personaStatus.transitions).toEqual([
        { from: 'approved', to: 'approved', count: 2, examples: ['inq_m1', 'inq_p1'] },
      ]);
      // before day 2: inq_m1's current decision is later, so it is out
      const until = JSON.parse((await run('backtest', candidateFile, '--json', '--until', '2026-11-02')).stdout);
      expect(until).toMatchObject({ read: 5, compared: 5, unreadable: { count: 0 } });
      expect(until.evidence.transitions).toEqual([
        { from: 'approved', to: 'approved', count: 2, examples: ['inq_a2', 'inq_x1'] },
        { from: 'approved', to: 'manual_review', count: 1, examples: ['inq_a1'] },
        { from: 'manual_review', to: 'approved', count: 1, examples: ['inq_l1'] },
      ]);
      expect(until.personaStatus.transitions).toEqual([
        { from: 'declined', to: 'declined', count: 1, examples: ['inq_p2'] },
      ]);
      const day2 = JSON.parse(
        (await run('backtest', candidateFile, '--json', '--since', '2026-11-02', '--until', '2026-11-02T10:00:00.001Z'))
          .stdout,
      );
      expect(day2).toMatchObject({ read: 3, compared: 3, personaStatus: { total: 0, transitions: [] } });
    });

    it('re-decides only the template asked for', async () => {
      const lite = JSON.parse((await run('backtest', candidateFile, '--json', '--template', 'itmpl_lite')).stdout);
      // the unreadable row is of no known template: left out with the rest
      expect(lite).toMatchObject({
        filter: { templateId: 'itmpl_lite' },
        read: 2,
        compared: 2,
        unreadable: { count: 0 },
      });
      expect(lite.evidence).toEqual({
        total: 2,
        changed: 1,
        transitions: [
          { from: 'manual_review', to: 'approved', count: 1, examples: ['inq_l1'] },
          { from: 'manual_review', to: 'manual_review', count: 1, examples: ['inq_l2'] },
        ],
      });
      expect(lite.personaStatus.total).toBe(0);
      const both = JSON.parse(
        (await run('backtest', candidateFile, '--json', '--template', 'itmpl_lite', '--since', '2026-11-02')).stdout,
      );
      expect(both.evidence.transitions).toEqual([
        { from: 'manual_review', to: 'manual_review', count: 1, examples: ['inq_l2'] },
      ]);
    });

    it('prints rows per second and peak RSS on stderr with --stats', async () => {
      const { code, stderr } = await run('backtest', candidateFile, '--stats', '--until', '2026-11-02');
      expect(code).toBe(0);
      expect(stderr).toBe('policy: stats: 5 decisions read in 0.50 s (10/s), peak RSS 100.0 MiB\n');
    });

    it('leaves the database as it was, and its connection refuses writes', async () => {
      const readOnly = await connectDatabase(url, { readOnly: true });
      try {
        await expect(readOnly.db.deleteFrom('decisions').execute()).rejects.toThrow(/read.?only|readonly/i);
      } finally {
        await readOnly.close();
      }
      expect(await state()).toEqual(before);
    });

    it('refuses a bad policy file before touching the database', async () => {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ rules: [{ name: 'bots', when: 'inquiry.tags', then: 'manual_review' }] }));
      const { code, stdout, stderr } = await run('backtest', bad);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toBe(
        `policy: POLICY_INVALID: Invalid decision policy in ${bad}:\n  - rules.0.when (bots): must be a bool expression, not list<string>\n`,
      );
    });

    it('says so when the schema is behind, and still reads the decisions', async () => {
      const created = await d.createDatabase();
      const behind = await connectDatabase(created.url);
      try {
        await migrateToLatest(behind.db);
        const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name desc`.execute(
          behind.db,
        );
        const latest = rows[0]!.name;
        await sql`delete from kysely_migration where name = ${latest}`.execute(behind.db);
        const { code, stdout, stderr } = await cli(created.url)('backtest', candidateFile, '--json');
        expect(code).toBe(0);
        expect(stderr).toBe(
          `policy: note: the database schema is behind this version (1 migration(s) not applied: ${latest}); ` +
            'the backtest reads only decisions, which it has\n',
        );
        expect(JSON.parse(stdout)).toMatchObject({ pendingMigrations: [latest], read: 0, compared: 0 });
      } finally {
        await behind.close();
        await created.cleanup();
      }
    });

    it('refuses a database without the schema, and migrates nothing', async () => {
      const created = await d.createDatabase();
      try {
        if (d.dialect === 'sqlite') {
          // an empty SQLite file: what the service would have created, had it started
          const empty = await connectDatabase(created.url);
          await empty.close();
        }
        const { code, stdout, stderr } = await cli(created.url)('backtest', candidateFile);
        expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
        expect(stderr).toMatch(/^policy: CONFIG_INVALID: \S+ has no persona-decider schema \(no migration applied\)/);
        expect(stderr.trim().split('\n')).toHaveLength(1);
        const after = await connectDatabase(created.url);
        try {
          const tables = await after.db.introspection.getTables();
          expect(tables.map((t) => t.name)).toEqual([]);
        } finally {
          await after.close();
        }
      } finally {
        await created.cleanup();
      }
    });
  });
});

describe('npm run policy -- backtest: errors', () => {
  it('reports a missing SQLite file in one line, and does not create it', async () => {
    const file = join(dir, 'nowhere', 'decisions.db');
    const { code, stdout, stderr } = await cli(`sqlite:${file}`)('backtest', candidateFile);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(`policy: DATABASE_UNAVAILABLE: cannot read sqlite:${file}: no SQLite database at ${file}\n`);
    expect(existsSync(file)).toBe(false);
  });

  it('reports an unreachable PostgreSQL in one line, without its password', async () => {
    writeFileSync(candidateFile, JSON.stringify(CANDIDATE));
    // port 9 (discard) on loopback: nothing listens, the connection is refused at once
    const { code, stderr } = await cli('postgres://decider:s3cret-pw@127.0.0.1:9/decisions')('backtest', candidateFile);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'policy: DATABASE_UNAVAILABLE: cannot read postgres://[redacted]@127.0.0.1:9/decisions: connect ECONNREFUSED 127.0.0.1:9\n',
    );
  });

  it('reports a bad DATABASE_URL by the service rules', async () => {
    writeFileSync(candidateFile, JSON.stringify(CANDIDATE));
    const { code, stderr } = await cli('mysql://db/decisions')('backtest', candidateFile);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'policy: CONFIG_INVALID: Invalid configuration:\n  - DATABASE_URL must be sqlite:<path> or postgres://…\n',
    );
  });

  it('answers bad usage with exit code 2 and a pointer to --help', async () => {
    const { code, stdout, stderr } = await cli('sqlite:unused.db')('backtest', candidateFile, '--since', 'soon');
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(
      'policy: --since must be a date (2026-11-01) or an ISO-8601 instant with a zone (2026-11-01T12:00:00Z)\n' +
        '(npm run policy -- --help for usage)\n',
    );
  });

  it('prints its usage with --help', async () => {
    const { code, stdout } = await cli('sqlite:unused.db')('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run policy -- <command>/);
    expect(stdout).toContain('backtest <policy.json> [--since <date>] [--until <date>] [--template <itmpl_…>]');
  });
});

/** A file's bytes, to show it was not rewritten. */
function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
