import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  /** Filesystem holding the benchmark's SQLite files: fsync costs nothing on tmpfs, so it matters. */
  dbFilesystem: string;
  /** Median time of one 4 KiB write + fdatasync there: what synchronous=FULL pays per commit, at least. */
  fdatasyncMs: number;
}

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
};

export function describeMachine(dbDir: string): MachineInfo {
  const type = statfsSync(dbDir).type;
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    dbFilesystem: FS_TYPES[type] ?? `fs type 0x${type.toString(16)}`,
    fdatasyncMs: probeFdatasync(dbDir),
  };
}

/** 1, 5 and 15 minute load averages, e.g. "3.35 4.16 3.57". */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function probeFdatasync(dir: string, samples = 100): number {
  const probeDir = mkdtempSync(join(dir, 'fsync-probe-'));
  const fd = openSync(join(probeDir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i += 1) {
      const start = process.hrtime.bigint();
      writeSync(fd, block, 0, block.length, i * block.length);
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(probeDir, { recursive: true, force: true });
  }
  return median(times);
}

/** The code measured: HEAD's short hash, and whether src/ had uncommitted changes (they are in dist/ too). */
export function codeVersion(root: string): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return dirty ? `${head} + uncommitted changes in src/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
