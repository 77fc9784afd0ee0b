import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readPeakRssKb, stopChild } from '../../scripts/lib/service-process.js';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVICE_ENTRY = `${ROOT}dist/main.js`;
/** For `--import`: tsx's loader by absolute URL, so a process started in another folder finds it. */
export const TSX_LOADER = pathToFileURL(createRequire(`${ROOT}package.json`).resolve('tsx')).href;

export interface LogLine {
  msg?: unknown;
  time?: unknown;
  [key: string]: unknown;
}

export interface NodeProcess {
  pid: number;
  /** http://127.0.0.1:<port>, from the process's own `{"msg":"ready","url":…}` log line. */
  url: string;
  logFile: string;
  /** Every JSON log line written so far (read from the file: the benchmark parses nothing while it measures). */
  readLogs(): LogLine[];
  /** VmHWM from /proc: the peak resident set so far. Read it before stopping. */
  peakRssKb(): number | null;
  /** CPU time (user + system) the process has used so far, from /proc/<pid>/stat: independent of others' load. */
  cpuMs(): number | null;
  /** SIGTERM and wait (the service drains); SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface StartOptions {
  /** Node flags before the script, e.g. --cpu-prof. */
  execArgv?: string[];
  env: Record<string, string>;
  cwd: string;
  /** stdout and stderr go here, not through a pipe the benchmark would have to read while it measures. */
  logFile: string;
  readyTimeoutMs?: number;
}

/** The compiled service, `node dist/main.js`, on a free loopback port. */
export function startServiceProcess(options: StartOptions): Promise<NodeProcess> {
  if (!existsSync(SERVICE_ENTRY)) throw new Error(`${SERVICE_ENTRY} is missing: run npm run build`);
  return startNodeProcess([SERVICE_ENTRY], {
    ...options,
    env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env },
  });
}

/** Spawns `node [execArgv] script…`, resolves once it logs "ready" with its URL; the caller stops it by PID. */
export async function startNodeProcess(args: string[], options: StartOptions): Promise<NodeProcess> {
  const fd = openSync(options.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...(options.execArgv ?? []), ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readLogs = (): LogLine[] => parseLogFile(options.logFile);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${args.join(' ')}`);
  const stop = (timeoutMs = 20_000) => stopChild(child, exited, timeoutMs);
  try {
    const url = await waitForReady(readLogs, exited, options.readyTimeoutMs ?? 20_000, options.logFile);
    return { pid, url, logFile: options.logFile, readLogs, peakRssKb: () => readPeakRssKb(pid), cpuMs: () => readCpuMs(pid), stop };
  } catch (error) {
    await stop(2_000);
    throw error;
  }
}

async function waitForReady(readLogs: () => LogLine[], exited: Promise<number | null>, timeoutMs: number, logFile: string): Promise<string> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = readLogs().find((line) => line.msg === 'ready' && typeof line.url === 'string');
    if (ready) return ready.url as string;
    if (exitCode !== undefined) throw new Error(`process exited (${exitCode}) before it was ready: ${tail(logFile)}`);
    await sleep(25);
  }
  throw new Error(`process not ready within ${timeoutMs} ms: ${tail(logFile)}`);
}

function parseLogFile(file: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null) lines.push(value as LogLine);
    } catch {
      // a line cut short by a kill; nothing to learn from it
    }
  }
  return lines;
}

/** What a process said before it died: its error lines when there are any, else its last lines. */
function tail(file: string): string {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => /error|failed/i.test(l) && !l.trimStart().startsWith('at '));
  return (errors.length > 0 ? errors : lines).slice(-4).join(' | ').slice(-800);
}

let ticksPerSecond: number | null = null;

function readCpuMs(pid: number): number | null {
  try {
    // fields after the parenthesised command name: state is field 3, utime 14, stime 15 (proc(5))
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : null;
  } catch {
    return null;
  }
}
