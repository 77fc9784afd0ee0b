/**
 * Diagnostics only (`npm run bench -- --sql-trace DIR`): loaded into the service with `--import`, it wraps
 * better-sqlite3's statements and, when the process exits, writes how often each SQL text ran and how long it
 * took (prepare included) to $BENCH_SQL_TRACE_FILE. The service's code is untouched.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Run = (...args: unknown[]) => unknown;
interface Statement {
  run: Run;
  all: Run;
  get: Run;
}
interface DatabaseClass {
  prototype: { prepare(this: unknown, sql: string): Statement };
}

export interface SqlTraceEntry {
  sql: string;
  count: number;
  ms: number;
  prepareMs: number;
}

const target = process.env.BENCH_SQL_TRACE_FILE;
if (target) {
  // the service's own copy (the same file, so the same module instance as its `import SQLite from 'better-sqlite3'`)
  const require = createRequire(`${process.env.BENCH_ROOT ?? process.cwd()}/package.json`);
  const Database = require('better-sqlite3') as DatabaseClass;
  const stats = new Map<string, SqlTraceEntry>();
  const entry = (sql: string): SqlTraceEntry => {
    let e = stats.get(sql);
    if (!e) stats.set(sql, (e = { sql, count: 0, ms: 0, prepareMs: 0 }));
    return e;
  };
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function tracedPrepare(this: unknown, sql: string): Statement {
    const start = performance.now();
    const stmt = prepare.call(this, sql);
    entry(sql).prepareMs += performance.now() - start;
    for (const method of ['run', 'all', 'get'] as const) {
      const original = stmt[method];
      stmt[method] = (...args: unknown[]) => {
        const t = performance.now();
        try {
          return original.apply(stmt, args);
        } finally {
          const e = entry(sql);
          e.count += 1;
          e.ms += performance.now() - t;
        }
      };
    }
    return stmt;
  };
  process.on('exit', () => writeFileSync(target, JSON.stringify([...stats.values()])));
}
