import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, TSX_LOADER } from '../../scripts/lib/service-process.js';
import type { BenchOptions } from './options.js';

/** Node flags and environment that make a service process write a CPU profile and/or an SQL trace named `name`. */
export function serviceDiagnostics(
  options: BenchOptions,
  name: string,
): { execArgv: string[]; env: Record<string, string> } {
  const execArgv: string[] = [];
  const env: Record<string, string> = {};
  if (options.cpuProfDir)
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`);
  if (options.sqlTraceDir) {
    execArgv.push('--import', TSX_LOADER, '--import', pathToFileURL(join(ROOT, 'bench/lib/sql-trace-preload.ts')).href);
    env.BENCH_SQL_TRACE_FILE = join(options.sqlTraceDir, `${name}.sql.json`);
    env.BENCH_ROOT = ROOT;
  }
  return { execArgv, env };
}
