import type { Logger } from './logger.js';

export interface ShutdownOptions {
  logger: Pick<Logger, 'info' | 'error'>;
  /** `process.exit`, an input so tests can watch it. */
  exit: (code: number) => void;
  /** A drain that takes longer is cut short with exit code 1 (docs/deployment.md: stop grace period ≥ 30 s). */
  forceAfterMs?: number;
}

export interface Shutdown {
  /** What draining does (stop accepting, finish requests and jobs, close the database), once all of it runs. */
  setDrain(drain: () => Promise<void>): void;
  /**
   * Drains once, then exits: with `exitCode`, or 1 if the drain fails or a later call asked for a non-zero code (a
   * crash during a SIGTERM drain still exits non-zero). Before setDrain there is nothing to drain: it exits at once.
   */
  begin(context: Record<string, unknown>, exitCode: number): void;
}

/** The one way the process ends on purpose: signals and crashes (crash-handlers.ts) both come here. */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const { logger, exit } = options;
  let drain: (() => Promise<void>) | undefined;
  let exitCode: number | undefined;

  return {
    setDrain(next) {
      drain = next;
    },
    begin(context, code) {
      const first = exitCode === undefined;
      exitCode = Math.max(exitCode ?? 0, code);
      if (!first) return;
      if (!drain) {
        exit(exitCode);
        return;
      }
      logger.info(context, 'shutting down: draining');
      const force = setTimeout(() => {
        logger.error('drain took too long; exiting');
        exit(1);
      }, options.forceAfterMs ?? 25_000);
      force.unref();
      drain().then(
        () => {
          clearTimeout(force);
          logger.info({ exitCode }, 'stopped');
          exit(exitCode ?? 0);
        },
        (error: unknown) => {
          clearTimeout(force);
          logger.error({ err: error }, 'shutdown failed');
          exit(1);
        },
      );
    },
  };
}
