import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * How a committed job reaches workers in other processes. `notify` runs inside the enqueuing transaction, so the
 * signal goes out only if the job commits; `listen` calls `onWake` whenever some process enqueued work (and once
 * after every (re)connection, for anything sent while not listening). Workers keep a slow safety poll as well:
 * a wake-up is a hint, the jobs table is the truth.
 */
export interface JobNotifier {
  notify(executor: Kysely<Database>): Promise<void>;
  listen(onWake: () => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite: one process owns the database, and the app wakes its own worker after each commit (`onEnqueued`),
 * so there is nobody else to tell.
 */
export function createLocalJobNotifier(): JobNotifier {
  return {
    notify: async () => undefined,
    listen: async () => undefined,
    close: async () => undefined,
  };
}
