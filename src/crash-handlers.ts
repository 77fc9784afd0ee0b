import type { Logger } from './logger.js';
import type { Shutdown } from './shutdown.js';

/** The part of `process` the handlers attach to (an EventEmitter in tests). */
export interface CrashSource {
  on(event: 'uncaughtException', listener: (error: Error) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

/**
 * A bug that escaped every handler (an uncaught exception, a rejected promise nobody awaited) is logged through
 * pino as `fatal`, with the error and its stack, instead of Node's bare stderr dump; then the process drains as on
 * SIGTERM (in-flight requests and jobs finish, the database closes) and exits 1 so its supervisor restarts it.
 * Nothing is lost: acknowledged webhooks and queued jobs are in the database; a job cut short runs again.
 */
export function installCrashHandlers(source: CrashSource, logger: Pick<Logger, 'fatal'>, shutdown: Shutdown): void {
  source.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; draining, then exiting');
    shutdown.begin({ cause: 'uncaughtException' }, 1);
  });
  source.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; draining, then exiting');
    shutdown.begin({ cause: 'unhandledRejection' }, 1);
  });
}
