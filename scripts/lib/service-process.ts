import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVICE_ENTRY = `${ROOT}dist/main.js`;
export const SERVICE_HEAP_FLAG = '--max-old-space-size=128';
/** For `--import`: tsx's loader by absolute URL, so a process started in another folder finds it. */
export const TSX_LOADER = pathToFileURL(createRequire(`${ROOT}package.json`).resolve('tsx')).href;

export interface LogLine {
  msg?: unknown;
  time?: unknown;
  [key: string]: unknown;
}

export interface ServiceProcess {
  pid: number;
  /** http://127.0.0.1:<port>, from the process's own `{"msg":"ready","url":…}` log line. */
  url: string;
  logFile: string;
  /** Every JSON log line written so far, in order (read from the file: nothing parses logs while a benchmark measures). */
  readLogs(): LogLine[];
  /**
   * Resolves once `count` log lines (already written or still to come) match `predicate`: a wait for the event
   * itself, with no deadline of its own (the caller's test timeout bounds it). Rejects if the process exits first.
   */
  untilLogs(predicate: (line: LogLine) => boolean, count?: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** VmHWM from /proc: the peak resident set so far. Read it before stopping. */
  peakRssKb(): number | null;
  /** CPU time (user + system) the process has used so far, from /proc/<pid>/stat: independent of others' load. */
  cpuMs(): number | null;
  /** SIGTERM and wait for the exit (the service drains); SIGKILL after `timeoutMs`. The exit code, null if killed. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

export interface StartOptions {
  env: Record<string, string>;
  /** Node flags before the script, e.g. --cpu-prof. */
  execArgv?: string[];
  /** Default: the repository root. */
  cwd?: string;
  /**
   * stdout and stderr go to this file, not through a pipe someone would have to read while a benchmark measures.
   * Default: a file in a temp folder of its own, removed when the process is stopped or killed.
   */
  logFile?: string;
  readyTimeoutMs?: number;
}

/**
 * The compiled service (`node dist/main.js`) as a real process on a free loopback port, resolved once it logs
 * "ready". The caller stops it by PID (stop/kill); nothing survives the caller.
 */
export function startService(options: StartOptions): Promise<ServiceProcess> {
  if (!existsSync(SERVICE_ENTRY)) throw new Error(`${SERVICE_ENTRY} is missing: run npm run build`);
  return startNodeProcess([SERVICE_ENTRY], {
    ...options,
    // the heap cap the image and `npm start` run with (Dockerfile's NODE_OPTIONS)
    execArgv: [SERVICE_HEAP_FLAG, ...(options.execArgv ?? [])],
    env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env },
  });
}

/** Spawns `node [execArgv] script…` and resolves once it logs "ready" with its URL, as the service does. */
export async function startNodeProcess(args: string[], options: StartOptions): Promise<ServiceProcess> {
  const ownDir = options.logFile ? null : mkdtempSync(join(tmpdir(), 'persona-decider-process-'));
  const logFile = options.logFile ?? join(ownDir as string, 'process.log');
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...(options.execArgv ?? []), ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${args.join(' ')}`);
  const readLogs = (): LogLine[] => parseLogFile(logFile);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const untilLogs = async (predicate: (line: LogLine) => boolean, count = 1): Promise<void> => {
    // the file is re-read every few ms: the child writes it directly, so there is no stream to listen to
    for (;;) {
      const exitedBefore = exitCode !== undefined;
      if (readLogs().filter(predicate).length >= count) return;
      if (exitedBefore) throw new Error(`process exited (${exitCode}) before the awaited log lines: ${tail(logFile)}`);
      await sleep(5);
    }
  };
  const cleanUp = (): void => {
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  };
  const stop = async (timeoutMs = 20_000): Promise<number | null> => {
    const code = await stopChild(child, exited, timeoutMs);
    cleanUp();
    return code;
  };
  const kill = async (): Promise<void> => {
    child.kill('SIGKILL');
    await exited;
    cleanUp();
  };
  try {
    const url = await waitForReady(readLogs, exited, options.readyTimeoutMs ?? 20_000, logFile);
    return {
      pid,
      url,
      logFile,
      readLogs,
      untilLogs,
      exited,
      peakRssKb: () => readPeakRssKb(pid),
      cpuMs: () => readCpuMs(pid),
      stop,
      kill,
    };
  } catch (error) {
    await stop(2_000);
    throw error;
  }
}

async function waitForReady(
  readLogs: () => LogLine[],
  exited: Promise<number | null>,
  timeoutMs: number,
  logFile: string,
): Promise<string> {
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

/** SIGTERM, wait for the exit, SIGKILL after `timeoutMs`; the exit code (null when killed by a signal). */
async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

function parseLogFile(file: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null) lines.push(value as LogLine);
    } catch {
      // a line cut short by a kill, or still being written; nothing to learn from it
    }
  }
  return lines;
}

/** What a process said before it died: its error lines when there are any, else its last lines. */
function tail(file: string): string {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => /error|failed/i.test(l) && !l.trimStart().startsWith('at '));
  return (errors.length > 0 ? errors : lines).slice(-4).join(' | ').slice(-800);
}

/** VmHWM: the process's peak resident set size so far (Linux). */
function readPeakRssKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
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
