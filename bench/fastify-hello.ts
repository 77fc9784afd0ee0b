/**
 * The baselines for the ingest figure, each in its own process:
 * - bare Fastify hello-world: it answers the same requests the service gets (POST /webhooks/persona with a JSON
 *   body, parsed by Fastify's default parser) with {"hello":"world"}, and nothing else: no signature check, no
 *   database, no logging;
 * - with HELLO_VERIFY_SECRET set, the floor of any webhook receiver: the raw body kept, Persona's signature header
 *   parsed and its HMAC-SHA256 checked against the secret (constant-time), the body JSON-parsed, the event id
 *   answered; still no database and no logging. What the service does beyond this is what it costs to store.
 * - with HELLO_STORE_FILE set as well, the floor of any DURABLE webhook receiver on SQLite at synchronous=FULL: each
 *   verified webhook is one row (event id, name, inquiry id, time received) in a WAL file, group-committed as the
 *   service commits (src/lib/group-commit.ts: one transaction, one fsync, per batch), answered once committed.
 *   One row instead of the service's three, no logging, no validation beyond JSON.parse: no receiver that
 *   acknowledges only what it has fsync'd can do less, so its rate bounds what the service can reach here.
 * - with HELLO_STORE_SYNC=thread as well, the same floor with its fsync off the event loop: each batch commits at
 *   synchronous=NORMAL (SQLite writes the WAL, no fsync) and the WAL file is then fdatasync'd on libuv's thread pool
 *   before the batch is answered, while the next batch is written. As durable as FULL for what it answers (an fsync
 *   of the WAL after the commit's frames were written to it; docs/benchmarks.md, third pass), the event loop never
 *   waits for the disk: whether that lifts the floor.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { createGroupCommit } from '../src/lib/group-commit.js';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

const secret = process.env.HELLO_VERIFY_SECRET;
const store = process.env.HELLO_STORE_FILE === undefined ? null : openStore(process.env.HELLO_STORE_FILE);
if (secret === undefined) {
  app.post('/webhooks/persona', async () => ({ hello: 'world' }));
} else {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/webhooks/persona', async (request, reply) => {
    const body = request.body as Buffer;
    const header = String(request.headers['persona-signature'] ?? '');
    const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
    const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
    if (t === undefined || v1 === undefined) return reply.status(401).send({ error: 'signature' });
    const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
    if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return reply.status(401).send({ error: 'signature' });
    const event = JSON.parse(body.toString('utf8')) as EventEnvelope;
    if (store) await store(event);
    return { received: true, eventId: event.data?.id ?? null, status: 'stored' };
  });
}

interface EventEnvelope {
  data?: { id?: string; attributes?: { name?: string; payload?: { data?: { id?: string } } } };
}

/** One row per webhook, group-committed at synchronous=FULL: resolves once the row's transaction is on disk. */
function openStore(file: string): (event: EventEnvelope) => Promise<void> {
  const db = new Database(file);
  const offLoop = process.env.HELLO_STORE_SYNC === 'thread';
  db.pragma('journal_mode = WAL');
  db.pragma(offLoop ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.exec(
    'create table if not exists events (event_id text primary key, name text not null, inquiry_id text, received_at integer not null)',
  );
  const insert = db.prepare('insert into events values (?, ?, ?, ?) on conflict (event_id) do nothing');
  const writeBatch = db.transaction((events: readonly EventEnvelope[]) => {
    const now = Date.now();
    for (const e of events)
      insert.run(
        e.data?.id ?? null,
        e.data?.attributes?.name ?? '',
        e.data?.attributes?.payload?.data?.id ?? null,
        now,
      );
  });
  const wal = offLoop ? walFileSync(`${file}-wal`) : null;
  return createGroupCommit<EventEnvelope, void>({
    maxBatch: 128,
    ...(wal ? { whenDurable: () => wal.sync() } : {}),
    writeBatch: async (events) => {
      writeBatch(events);
      return events.map(() => undefined);
    },
  });
}

interface Waiting {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * fdatasync of the WAL file on libuv's thread pool. Each call resolves after an fdatasync that started after the
 * call (so it covers every frame written before it); calls during one running share the next. Once one fails, every
 * later call fails with its error.
 */
function walFileSync(walFile: string): { sync(): Promise<void> } {
  let handle: Promise<FileHandle> | null = null;
  let running = false;
  let next: Waiting | null = null;
  let failed: { error: unknown } | null = null; // after a failed fdatasync, nothing later is known to be on disk
  const datasync = async (): Promise<void> => {
    if (failed) throw failed.error;
    handle ??= open(walFile, 'r'); // the WAL exists once the first batch committed; it lives while db is open
    try {
      await (await handle).datasync();
    } catch (error) {
      failed ??= { error };
      throw failed.error;
    }
  };
  const start = (): Promise<void> => {
    running = true;
    const run = datasync();
    const ended = (): void => {
      running = false;
      const waiting = next;
      next = null;
      if (waiting) start().then(waiting.resolve, waiting.reject);
    };
    run.then(ended, ended);
    return run;
  };
  return {
    sync() {
      if (!running) return start();
      if (next === null) {
        const waiting: Partial<Waiting> = {};
        waiting.promise = new Promise<void>((resolve, reject) => Object.assign(waiting, { resolve, reject }));
        next = waiting as Waiting;
      }
      return next.promise;
    },
  };
}

const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(JSON.stringify({ msg: 'ready', url }));

const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
