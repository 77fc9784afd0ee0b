import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installCrashHandlers } from '../../src/crash-handlers.js';
import { createShutdown } from '../../src/shutdown.js';
import { createRecorder } from '../helpers/events.js';
import { createCapturedLogger } from '../helpers/test-app.js';

/** A process stand-in: crashes are emitted on it, exits are recorded, the drain is released by the test. */
function createWorld() {
  const { logger, lines } = createCapturedLogger('info');
  const exits = createRecorder<number>();
  const shutdown = createShutdown({ logger, exit: (code) => exits.push(code) });
  const source = new EventEmitter();
  installCrashHandlers(source, logger, shutdown);
  const drains = createRecorder<() => void>();
  shutdown.setDrain(() => new Promise<void>((release) => drains.push(release)));
  const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { source, shutdown, exits, drains, logs };
}

describe('crash handlers', () => {
  it('log an uncaught exception as fatal with its error, drain, then exit 1', async () => {
    const world = createWorld();
    world.source.emit('uncaughtException', new Error('boom: a bug'));
    await world.drains.count(1);
    expect(world.exits.items).toEqual([]); // nothing exits before the drain is done
    world.drains.items[0]?.();
    await world.exits.count(1);
    expect(world.exits.items).toEqual([1]);
    const fatal = world.logs().find((line) => line.level === 60);
    expect(fatal).toMatchObject({
      msg: 'uncaught exception; draining, then exiting',
      err: { type: 'Error', message: 'boom: a bug', stack: expect.stringContaining('crash-handlers.test.ts') },
    });
    expect(world.logs().map((line) => line.msg)).toEqual([
      'uncaught exception; draining, then exiting',
      'shutting down: draining',
      'stopped',
    ]);
  });

  it('log an unhandled rejection as fatal, also when the reason is not an Error, and exit 1', async () => {
    const world = createWorld();
    world.source.emit('unhandledRejection', 'a plain string');
    await world.drains.count(1);
    world.drains.items[0]?.();
    await world.exits.count(1);
    expect(world.exits.items).toEqual([1]);
    expect(world.logs()[0]).toMatchObject({
      level: 60,
      msg: 'unhandled promise rejection; draining, then exiting',
      err: 'a plain string',
    });
  });

  it('drain once: a crash during a SIGTERM drain does not drain again, but the exit code becomes 1', async () => {
    const world = createWorld();
    world.shutdown.begin({ signal: 'SIGTERM' }, 0);
    world.source.emit('uncaughtException', new Error('while draining'));
    world.drains.items[0]?.();
    await world.exits.count(1);
    expect(world.drains.items).toHaveLength(1);
    expect(world.exits.items).toEqual([1]);
  });

  it('exit 1 at once when nothing runs yet to be drained', () => {
    const { logger } = createCapturedLogger('info');
    const exits: number[] = [];
    const shutdown = createShutdown({ logger, exit: (code) => exits.push(code) });
    const source = new EventEmitter();
    installCrashHandlers(source, logger, shutdown);
    source.emit('uncaughtException', new Error('during startup'));
    expect(exits).toEqual([1]);
  });

  it('exit 1 when the drain fails', async () => {
    const { logger } = createCapturedLogger('info');
    const exits = createRecorder<number>();
    const shutdown = createShutdown({ logger, exit: (code) => exits.push(code) });
    shutdown.setDrain(() => Promise.reject(new Error('database close failed')));
    shutdown.begin({ signal: 'SIGTERM' }, 0);
    await exits.count(1);
    expect(exits.items).toEqual([1]);
  });
});
