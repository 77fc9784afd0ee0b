import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../lib/module-worker.js';
import type { IntakeWriter, RecordResult } from './event-intake.js';

/** What the thread is started with (workerData). */
export interface IntakeThreadOptions {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
}

/** `rows`: the batch as JSON text: a string crosses to the thread as one copy, where a structured clone of the
 * rows' objects cost the event loop several times more (measured: docs/benchmarks.md). */
export type IntakeRequest = { type: 'write'; id: number; rows: string } | { type: 'close' };
export type IntakeReply =
  { id: number; results: RecordResult[] } | { id: number; error: { name: string; message: string; code?: string } };

/** An error the thread reported, with the SQLite code the event store classifies it by (constraint, busy, …). */
export class IntakeWriteError extends Error {
  readonly code: string | undefined;
  constructor(error: { name: string; message: string; code?: string }) {
    super(error.message);
    this.name = error.name;
    this.code = error.code;
  }
}

interface Waiting {
  resolve: (results: RecordResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Webhook intake's writes to a SQLite file, on a thread of their own (sqlite-intake-thread.ts) with their own
 * connection: the event loop hands over a batch and goes on reading and verifying webhooks while it is written and
 * fsync'd. The thread starts at the first write (after migrations) and again after it stopped (a crash answers the
 * webhooks of its batch 503: Persona retries them).
 */
export function createSqliteIntakeWriter(options: IntakeThreadOptions): IntakeWriter {
  /** The running thread and the batches it has not answered yet (a thread that stops fails its own batches only). */
  let current: { thread: Worker; waiting: Map<number, Waiting> } | null = null;
  let closed = false;
  let nextId = 1;

  function start(): { thread: Worker; waiting: Map<number, Waiting> } {
    const thread = startModuleWorker(siblingModule(import.meta.url, 'sqlite-intake-thread'), {
      workerData: options,
      // it holds one batch at a time (at most 128 webhooks): a small heap, so it does not grow one the size of the
      // event loop's under sustained ingest (docs/benchmarks.md, memory)
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
    thread.unref(); // an idle writer never keeps the process alive; the server and pending requests do
    const waiting = new Map<number, Waiting>();
    const entry = { thread, waiting };
    const failAll = (error: unknown): void => {
      if (current === entry) current = null;
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
    };
    thread.on('message', (reply: IntakeReply) => {
      const w = waiting.get(reply.id);
      if (!w) return;
      waiting.delete(reply.id);
      if ('results' in reply) w.resolve(reply.results);
      else w.reject(new IntakeWriteError(reply.error));
    });
    // an error thrown outside a batch (opening the file, preparing a statement): better-sqlite3's SqliteError
    // crosses the thread boundary as a bare object, so it is made an Error that keeps its message and code
    thread.on('error', (error: unknown) => failAll(asError(error)));
    thread.on('exit', () => failAll(new Error('the SQLite intake thread stopped')));
    return entry;
  }

  return {
    write(rows) {
      if (closed) return Promise.reject(new Error('the database is closed'));
      current ??= start();
      const { thread, waiting } = current;
      const id = nextId++;
      return new Promise<RecordResult[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        thread.postMessage({ type: 'write', id, rows: JSON.stringify(rows) } satisfies IntakeRequest);
      });
    },
    async close() {
      closed = true;
      const thread = current?.thread;
      current = null;
      if (!thread) return;
      const exited = once(thread, 'exit');
      thread.postMessage({ type: 'close' } satisfies IntakeRequest);
      const timer = setTimeout(() => void thread.terminate(), 5000);
      try {
        await exited.catch(() => undefined); // an error at exit was already given to any batch waiting
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const message =
    typeof fields.message === 'string' ? fields.message : `the SQLite intake thread failed (${code ?? String(error)})`;
  return new IntakeWriteError({ name: 'SqliteError', message, ...(code === undefined ? {} : { code }) });
}
