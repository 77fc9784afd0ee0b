import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { connectDatabase } from '../../src/store/connect.js';
import type { DatabaseHandle } from '../../src/store/database-handle.js';
import type { Db } from '../../src/store/database.js';
import type { IntakeRow, IntakeWriter, JobTaker, RecordResult } from '../../src/store/event-intake.js';
import { createEventStore, type EventStore, type IncomingEvent } from '../../src/store/event-store.js';
import { createJobQueue, type Job } from '../../src/store/job-queue.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { processInquiryJob } from '../../src/job-kinds.js';
import { evidence, GOV_ID, SELFIE, verification } from '../helpers/decision-fixtures.js';
import { reportIncomingEvent } from './store-harness.js';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');

const at = (second: number): string => new Date(Date.parse('2026-11-29T09:00:00.000Z') + second * 1000).toISOString();

const incoming = (
  eventId: string,
  inquiryId: string,
  createdAt: string,
  options: { name?: string; withEvidence?: boolean } = {},
): IncomingEvent => {
  const name = options.name ?? 'inquiry.completed';
  return {
    event: { eventId, name, createdAt, objectType: 'inquiry', objectId: inquiryId, inquiryId },
    disposition: name === 'inquiry.completed' ? 'accepted' : 'ignored',
    attempts: { attemptsMade: 1, attemptsLeft: 7, firstAttemptedAt: null },
    ...(options.withEvidence
      ? { evidence: evidence([verification(GOV_ID, 'passed'), verification(SELFIE, 'passed')]) }
      : {}),
  };
};

const reportEvent = (eventId: string, inquiryId: string, createdAt: string): IncomingEvent =>
  reportIncomingEvent(eventId, inquiryId, createdAt, {
    attemptsMade: 2,
    attemptsLeft: 6,
    firstAttemptedAt: '2026-11-29T08:59:00.000Z',
  });

/** An intake row as the event store builds it, for writing straight through a writer. */
const intakeRow = (eventId: string, inquiryId: string, createdAt: string): IntakeRow => ({
  event: {
    event_id: eventId,
    name: 'inquiry.completed',
    object_type: 'inquiry',
    object_id: inquiryId,
    inquiry_id: inquiryId,
    persona_created_at: createdAt,
    received_at: new Date(T0).toISOString(),
    disposition: 'accepted',
    attempts_made: 1,
    attempts_left: 7,
    first_attempted_at: null,
  },
  acts: {
    inquiryId,
    knownInquiryOnly: false,
    job: processInquiryJob({ eventId, eventName: 'inquiry.completed', inquiryId, eventCreatedAt: createdAt, now: T0 }),
  },
  nowMs: T0,
});

/** A row SQLite refuses: persona_events.name is NOT NULL. */
const badRow = (eventId: string): IntakeRow => {
  const row = intakeRow(eventId, `inq_${eventId}`, at(0));
  return { ...row, event: { ...row.event, name: null as unknown as string } };
};

interface Store {
  handle: DatabaseHandle;
  db: Db;
  events: EventStore;
}

const readEvents = (db: Db) => db.selectFrom('persona_events').selectAll().orderBy('event_id').execute();
const readInquiries = (db: Db) => db.selectFrom('inquiries').selectAll().orderBy('inquiry_id').execute();
/** Jobs without their autoincrement id (which depends on commit order, not on content). */
const readJobs = (db: Db) =>
  db
    .selectFrom('jobs')
    .select(['kind', 'key', 'queue', 'payload', 'attempts', 'run_at', 'locked_by', 'locked_until', 'last_error'])
    .select('created_at')
    .orderBy('key')
    .execute();

describe('SQLite intake: statements prepared once, a batch per transaction', () => {
  let dir: string;
  const toClose: (() => Promise<void>)[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'persona-decider-intake-'));
  });

  afterEach(async () => {
    for (const close of toClose.splice(0).reverse()) await close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `kysely`: the event store writes through Kysely (the PostgreSQL path), the reference the prepared path matches. */
  async function openStore(
    url: string,
    wrapIntake?: (intake: IntakeWriter) => IntakeWriter,
    { kysely = false } = {},
  ): Promise<Store & { intake: IntakeWriter | undefined }> {
    const handle = await connectDatabase(url);
    toClose.push(() => handle.close());
    await migrateToLatest(handle.db);
    const clock = createManualClock(T0);
    const queue = createJobQueue({ db: handle.db, dialect: handle.dialect, clock, notifier: handle.notifier });
    const prepared = kysely ? undefined : handle.intake;
    const intake = prepared && wrapIntake ? wrapIntake(prepared) : prepared;
    const events = createEventStore({ db: handle.db, queue, clock, ...(intake ? { intake } : {}) });
    return { handle, db: handle.db, events, intake };
  }

  const fileUrl = (name = 'store.db') => `sqlite:${join(dir, name)}`;

  it('stores 50 concurrent events and a duplicate exactly as the Kysely path does', async () => {
    const file = await openStore(fileUrl());
    expect(file.intake).toBeDefined(); // SQLite: intake's prepared statements
    const memory = await openStore('sqlite::memory:', undefined, { kysely: true }); // the reference: Kysely

    const batch = Array.from({ length: 50 }, (_, i) =>
      incoming(`evt_${String(i).padStart(2, '0')}`, `inq_${i % 20}`, at(i), { withEvidence: i % 3 === 0 }),
    );
    const arrivals = [...batch, batch[7] as IncomingEvent];

    const fileResults = await Promise.all(arrivals.map((e) => file.events.record(e)));
    const memoryResults = await Promise.all(arrivals.map((e) => memory.events.record(e)));
    const expected: RecordResult[] = [...batch.map((): RecordResult => 'stored'), 'duplicate'];
    expect(fileResults).toEqual(expected);
    expect(memoryResults).toEqual(expected);

    const fileEvents = await readEvents(file.db);
    expect(fileEvents.map((e) => e.event_id)).toEqual(batch.map((e) => e.event.eventId));
    expect(fileEvents.every((e) => e.disposition === 'accepted' && e.received_at === new Date(T0).toISOString())).toBe(
      true,
    );
    expect(fileEvents).toEqual(await readEvents(memory.db));

    const fileInquiries = await readInquiries(file.db);
    expect(fileInquiries).toHaveLength(20);
    // each inquiry's latest event is the newest of its events (inq_k: events k, k+20, k+40 while < 50)
    for (const inquiry of fileInquiries) {
      const k = Number(inquiry.inquiry_id.slice('inq_'.length));
      const newest = k + 40 < 50 ? k + 40 : k + 20;
      expect(inquiry).toMatchObject({ status: 'processing', last_event_id: `evt_${newest}`, error: null });
    }
    expect(fileInquiries).toEqual(await readInquiries(memory.db));

    const fileJobs = await readJobs(file.db);
    expect(fileJobs.map((j) => j.key)).toEqual(batch.map((e) => `process:${e.event.eventId}`));
    expect(fileJobs).toEqual(await readJobs(memory.db)); // payload text included, byte for byte
    const withEvidence = JSON.parse(fileJobs[0]?.payload ?? '{}') as Record<string, unknown>;
    expect(withEvidence).toMatchObject({
      eventId: 'evt_00',
      eventName: 'inquiry.completed',
      inquiryId: 'inq_0',
      eventCreatedAt: at(0),
      receivedAtMs: T0,
      evidenceSource: { from: 'webhook', at: at(0) },
      evidence: { inquiryStatus: 'completed' },
    });
    expect(JSON.parse(fileJobs[1]?.payload ?? '{}')).not.toHaveProperty('evidence');
  });

  it('records an older event of an inquiry after a newer one as superseded, leaving the inquiry on the newer', async () => {
    const { events, db } = await openStore(fileUrl());
    expect(await events.record(incoming('evt_new', 'inq_1', at(60)))).toBe('stored');
    expect(await events.record(incoming('evt_old', 'inq_1', at(0)))).toBe('superseded');
    // also within one batch: both arrive at once, the newer first
    const [a, b] = await Promise.all([
      events.record(incoming('evt_b_new', 'inq_2', at(60))),
      events.record(incoming('evt_b_old', 'inq_2', at(30))),
    ]);
    expect([a, b]).toEqual(['stored', 'superseded']);

    const inquiries = await readInquiries(db);
    expect(inquiries.map((i) => [i.inquiry_id, i.last_event_id, i.last_event_created_at])).toEqual([
      ['inq_1', 'evt_new', at(60)],
      ['inq_2', 'evt_b_new', at(60)],
    ]);
    // the older events are kept for the record, without a job
    expect((await readEvents(db)).map((e) => e.event_id)).toEqual(['evt_b_new', 'evt_b_old', 'evt_new', 'evt_old']);
    expect((await readJobs(db)).map((j) => j.key)).toEqual(['process:evt_b_new', 'process:evt_new']);
  });

  it('records a report event of an unknown inquiry as ignored, and acts on one of a known inquiry', async () => {
    const { events, db } = await openStore(fileUrl());
    expect(await events.record(reportEvent('evt_r0', 'inq_unseen', at(0)))).toBe('ignored');
    const stored = await db.selectFrom('persona_events').selectAll().where('event_id', '=', 'evt_r0').execute();
    expect(stored).toEqual([
      expect.objectContaining({
        event_id: 'evt_r0',
        disposition: 'ignored',
        inquiry_id: 'inq_unseen',
        object_type: 'report/watchlist',
        attempts_made: 2,
        attempts_left: 6,
        first_attempted_at: '2026-11-29T08:59:00.000Z',
      }),
    ]);
    expect(await readInquiries(db)).toEqual([]);
    expect(await readJobs(db)).toEqual([]);

    expect(await events.record(incoming('evt_c', 'inq_seen', at(0)))).toBe('stored');
    expect(await events.record(reportEvent('evt_r1', 'inq_seen', at(10)))).toBe('stored');
    expect((await readJobs(db)).map((j) => j.key)).toEqual(['process:evt_c', 'process:evt_r1']);
  });

  /** A taker with `slots` free slots that records what intake did with them. */
  function fakeTaker(slots: number) {
    const log: string[] = [];
    const taken: Job[] = [];
    let free = slots;
    const taker: JobTaker = {
      reserve: () => {
        if (free === 0) return null;
        free -= 1;
        log.push('reserve');
        return { workerId: 'worker-here', leaseMs: 60_000 };
      },
      take: (job) => {
        log.push(`take ${job.key}`);
        taken.push(job);
      },
      release: () => {
        free += 1;
        log.push('release');
      },
    };
    return { taker, log, taken, free: () => free };
  }

  it('writes a job that heads its queue already claimed for the taker, and hands it over after the commit', async () => {
    const { handle, db } = await openStore(fileUrl());
    const w = handle.intake as IntakeWriter;
    const { taker, log, taken, free } = fakeTaker(2);
    w.handOverTo?.(taker);
    // inq_1 twice: its second job waits behind the first (order holds); inq_2's heads its own queue
    const results = await w.write([
      intakeRow('evt_a', 'inq_1', at(0)),
      intakeRow('evt_b', 'inq_1', at(1)),
      intakeRow('evt_c', 'inq_2', at(2)),
    ]);
    expect(results).toEqual(['stored', 'stored', 'stored']);
    expect(log).toEqual(['reserve', 'reserve', 'release', 'reserve', 'take process:evt_a', 'take process:evt_c']);
    expect(free()).toBe(0); // the two taken jobs hold their slots until the worker ends them
    // as a claim would have read them back
    const ids = await db.selectFrom('jobs').select(['id', 'key']).orderBy('id').execute();
    expect(taken).toEqual([
      {
        id: ids.find((j) => j.key === 'process:evt_a')?.id,
        kind: 'process_inquiry',
        key: 'process:evt_a',
        queue: 'inquiry:inq_1',
        payload: JSON.parse(JSON.stringify(intakeRow('evt_a', 'inq_1', at(0)).acts?.job.payload)),
        attempts: 1,
        runAt: T0,
        lockedBy: 'worker-here',
        createdAt: T0,
      },
      expect.objectContaining({ key: 'process:evt_c', queue: 'inquiry:inq_2', attempts: 1, lockedBy: 'worker-here' }),
    ]);
    expect(await readJobs(db)).toMatchObject([
      { key: 'process:evt_a', attempts: 1, locked_by: 'worker-here', locked_until: T0 + 60_000 },
      { key: 'process:evt_b', attempts: 0, locked_by: null, locked_until: null },
      { key: 'process:evt_c', attempts: 1, locked_by: 'worker-here', locked_until: T0 + 60_000 },
    ]);
  });

  it('tells the webhook route which jobs went to the worker (it wakes the worker for the others only)', async () => {
    const { handle, events } = await openStore(fileUrl());
    const { taker } = fakeTaker(4);
    handle.intake?.handOverTo?.(taker);
    expect(await events.recordIntake(incoming('evt_a', 'inq_1', at(0)))).toEqual({
      status: 'stored',
      handedOver: true,
    });
    // the inquiry's queue holds evt_a's job (the fake taker never ends it): this one waits, unclaimed
    expect(await events.recordIntake(incoming('evt_b', 'inq_1', at(1)))).toEqual({
      status: 'stored',
      handedOver: false,
    });
    expect(await events.recordIntake(incoming('evt_a', 'inq_1', at(0)))).toEqual({
      status: 'duplicate',
      handedOver: false,
    });
  });

  it('gives the slot back when the claimed insert itself fails, and the batch rolls back', async () => {
    const { handle, db } = await openStore(fileUrl());
    const w = handle.intake as IntakeWriter;
    const { taker, log, taken, free } = fakeTaker(2);
    w.handOverTo?.(taker);
    // a failure of that one statement (as SQLITE_FULL or SQLITE_IOERR would be): no slot may leak
    await sql`create trigger refuse_claimed before insert on jobs when new.locked_by is not null
      begin select raise(abort, 'disk I/O error (test)'); end`.execute(db);
    await expect(w.write([intakeRow('evt_a', 'inq_1', at(0))])).rejects.toThrow('disk I/O error (test)');
    expect(log).toEqual(['reserve', 'release']);
    expect({ taken, free: free() }).toEqual({ taken: [], free: 2 });
    expect(await readEvents(db)).toEqual([]);
    await sql`drop trigger refuse_claimed`.execute(db);
    expect(await w.write([intakeRow('evt_a', 'inq_1', at(0))])).toEqual(['stored']);
    expect(taken.map((j) => j.key)).toEqual(['process:evt_a']);
  });

  it('writes jobs unclaimed when the taker has no free slot, or none is set', async () => {
    const { handle, db } = await openStore(fileUrl());
    const w = handle.intake as IntakeWriter;
    const { taker, log } = fakeTaker(0);
    w.handOverTo?.(taker);
    expect(await w.write([intakeRow('evt_a', 'inq_1', at(0))])).toEqual(['stored']);
    w.handOverTo?.(null);
    expect(await w.write([intakeRow('evt_b', 'inq_2', at(0))])).toEqual(['stored']);
    expect(log).toEqual([]);
    expect(await readJobs(db)).toMatchObject([
      { key: 'process:evt_a', attempts: 0, locked_by: null },
      { key: 'process:evt_b', attempts: 0, locked_by: null },
    ]);
  });

  it('gives the slots back when the batch does not commit: nothing is handed over', async () => {
    const { handle, db } = await openStore(fileUrl());
    const w = handle.intake as IntakeWriter;
    const { taker, log, taken, free } = fakeTaker(4);
    w.handOverTo?.(taker);
    await expect(w.write([intakeRow('evt_a', 'inq_1', at(0)), badRow('evt_bad')])).rejects.toMatchObject({
      code: expect.stringMatching(/^SQLITE_CONSTRAINT/),
    });
    expect(log).toEqual(['reserve', 'release']);
    expect(taken).toEqual([]);
    expect(free()).toBe(4);
    expect(await readJobs(db)).toEqual([]);
  });

  it('rejects a batch with a constraint error with the SQLite code, rolled back, and writes the next', async () => {
    const { handle } = await openStore(fileUrl());
    const w = handle.intake as IntakeWriter;

    const error = await w.write([badRow('evt_bad')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect((error as Error).message).toMatch(/NOT NULL constraint failed: persona_events\.name/);

    // the whole batch is one transaction: a good row before the bad one is rolled back with it
    await expect(w.write([intakeRow('evt_good', 'inq_g', at(0)), badRow('evt_bad2')])).rejects.toMatchObject({
      code: expect.stringMatching(/^SQLITE_CONSTRAINT/),
    });
    expect(await readEvents(handle.db)).toEqual([]);

    // the connection is usable again: no transaction left open
    expect(await w.write([intakeRow('evt_good', 'inq_g', at(0))])).toEqual(['stored']);
    expect((await readEvents(handle.db)).map((e) => e.event_id)).toEqual(['evt_good']);
  });

  it('fails only the bad item of a group-committed batch; its neighbours are stored', async () => {
    const batches: number[] = [];
    const { events, db } = await openStore(fileUrl(), (intake) => ({
      write: (rows) => {
        batches.push(rows.length);
        return intake.write(rows);
      },
    }));
    const good = Array.from({ length: 10 }, (_, i) => incoming(`evt_${i}`, `inq_${i}`, at(i)));
    const bad: IncomingEvent = {
      ...incoming('evt_bad', 'inq_bad', at(0)),
      event: { ...incoming('evt_bad', 'inq_bad', at(0)).event, name: null as unknown as string },
    };
    const settled = await Promise.allSettled([...good.slice(0, 5), bad, ...good.slice(5)].map((e) => events.record(e)));

    expect(settled.map((s) => s.status)).toEqual([
      ...Array(5).fill('fulfilled'),
      'rejected',
      ...Array(5).fill('fulfilled'),
    ]);
    expect(settled.filter((s) => s.status === 'fulfilled').map((s) => s.value)).toEqual(Array(10).fill('stored'));
    const rejected = settled[5] as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(Error);
    expect((rejected.reason as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    // one batch of 11 failed, then each item was retried alone
    expect(batches).toEqual([11, ...Array(11).fill(1)]);

    expect((await readEvents(db)).map((e) => e.event_id)).toEqual(good.map((e) => e.event.eventId));
    expect((await readJobs(db)).map((j) => j.key)).toEqual(good.map((e) => `process:${e.event.eventId}`));
    expect(await readInquiries(db)).toHaveLength(10);
  });
});
