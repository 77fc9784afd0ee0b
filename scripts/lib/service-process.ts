import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVICE_ENTRY = `${ROOT}dist/main.js`;

export interface ServiceProcess {
  pid: number;
  /** http://127.0.0.1:<port>, read from the service's own "ready" log line. */
  url: string;
  /** Parsed JSON log lines, in order. */
  logs: Record<string, unknown>[];
  /**
   * Resolves as soon as `count` log lines (already logged or still to come) match `predicate`: a wait for the event
   * itself, with no deadline of its own. Rejects if the process exits first.
   */
  untilLogs(predicate: (entry: Record<string, unknown>) => boolean, count?: number): Promise<void>;
  exited: Promise<number | null>;
  /** SIGTERM and wait for the exit (graceful drain); SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  peakRssKb(): number | null;
}

/**
 * Starts the compiled service (`node dist/main.js`) as a real process on a free loopback port and resolves once
 * it logs "ready" (a process not ready within `readyTimeoutMs` is killed). Callers stop it by PID (stop/kill);
 * nothing survives the caller.
 */
export async function startService(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<ServiceProcess> {
  if (!existsSync(SERVICE_ENTRY)) throw new Error(`${SERVICE_ENTRY} is missing: run npm run build`);
  const child = spawn(process.execPath, [SERVICE_ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let logWaiters: { predicate: (entry: Record<string, unknown>) => boolean; missing: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  let stderr = '';
  let closed = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // 'close' comes after the last output has been read: a line logged just before exiting still counts
  child.once('close', (code) => {
    closed = true;
    for (const waiter of logWaiters) waiter.reject(new Error(`service exited (${code}) before the awaited log lines: ${stderr.slice(-500)}`));
    logWaiters = [];
  });
  const untilLogs = (predicate: (entry: Record<string, unknown>) => boolean, count = 1): Promise<void> => {
    const missing = count - logs.filter(predicate).length;
    if (missing <= 0) return Promise.resolve();
    if (closed) return Promise.reject(new Error(`service exited (${child.exitCode}) before the awaited log lines`));
    return new Promise((resolve, reject) => logWaiters.push({ predicate, missing, resolve, reject }));
  };
  const onLog = (entry: Record<string, unknown>) => {
    logs.push(entry);
    for (const waiter of logWaiters) if (waiter.predicate(entry)) waiter.missing -= 1;
    const done = logWaiters.filter((w) => w.missing <= 0);
    logWaiters = logWaiters.filter((w) => w.missing > 0);
    for (const waiter of done) waiter.resolve();
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not become ready: ${stderr.slice(-500)}`));
    }, options.readyTimeoutMs ?? 15_000);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseLine(line);
        if (!entry) continue;
        onLog(entry);
        if (entry.msg === 'ready' && typeof entry.url === 'string') {
          clearTimeout(timer);
          resolve(entry.url);
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before it was ready: ${stderr.slice(-500)}`));
    });
  });
  return {
    pid: child.pid as number,
    url,
    logs,
    untilLogs,
    exited,
    stop: (timeoutMs = 15_000) => stopChild(child, exited, timeoutMs),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    peakRssKb: () => readPeakRssKb(child.pid),
  };
}

function parseLine(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** SIGTERM, wait for the exit, SIGKILL after `timeoutMs`; the exit code (null when killed by a signal). */
export async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** VmHWM: the process's peak resident set size so far (Linux). */
export function readPeakRssKb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
