import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServiceProcess, startService } from '../../scripts/lib/service-process.js';
import { E2E_TIMEOUT_MS } from './harness.js';

const PRELOAD = pathToFileURL(join(import.meta.dirname, 'crash-on-signal.mjs')).href;

let service: ServiceProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The built service (dist/main.js) with a preload that crashes it on SIGUSR2, the way a bug would. */
async function startCrashable(kind: 'exception' | 'rejection'): Promise<ServiceProcess> {
  dir = mkdtempSync(join(tmpdir(), 'persona-decider-fatal-'));
  return startService({
    execArgv: ['--import', PRELOAD],
    env: {
      CRASH_KIND: kind,
      DATABASE_URL: `sqlite:${join(dir, 'decisions.db')}`,
      PERSONA_WEBHOOK_SECRET: 'wbhsec_fatal_crash_test',
      PERSONA_API_KEY: 'persona_sandbox_fatal_crash_test',
      PERSONA_API_URL: 'http://127.0.0.1:9/api/v1',
      API_TOKENS: 'fatal-crash-test-token-0123456789abcdef',
      // no Persona here: the startup sweep would retry its GET /events while the process drains
      RECONCILE_INTERVAL_SECONDS: '0',
    },
    readyTimeoutMs: E2E_TIMEOUT_MS,
  });
}

describe('a crash in the real process', { timeout: E2E_TIMEOUT_MS }, () => {
  it.each([
    ['exception', 'uncaught exception; draining, then exiting', 'injected uncaught exception'],
    ['rejection', 'unhandled promise rejection; draining, then exiting', 'injected rejection nobody awaited'],
  ] as const)(
    'an uncaught %s is logged as fatal with its error, then the process drains and exits 1',
    async (kind, msg, message) => {
      service = await startCrashable(kind);
      process.kill(service.pid, 'SIGUSR2');
      expect(await service.exited).toBe(1);
      const lines = service.readLogs();
      const fatal = lines.find((line) => line.level === 60);
      expect(fatal).toMatchObject({ msg, err: { message, stack: expect.stringContaining('crash-on-signal.mjs') } });
      // drained like on SIGTERM: the same lines, in order, after the fatal one
      const after = lines.slice(lines.indexOf(fatal as (typeof lines)[number]) + 1).map((line) => line.msg);
      expect(after).toEqual(['shutting down: draining', 'stopped']);
    },
  );
});
