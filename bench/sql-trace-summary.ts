/**
 * The statements a service ran, from an SQL trace (`npm run bench -- --sql-trace DIR`): count, total and mean
 * time, prepare time, most expensive first. Usage: node --import tsx bench/sql-trace-summary.ts <file.sql.json> [top]
 */
import { readFileSync } from 'node:fs';
import { formatTable } from '../scripts/lib/report.js';
import type { SqlTraceEntry } from './lib/sql-trace-preload.js';

const [file, top = '12'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/sql-trace-summary.ts <file.sql.json> [top]');
  process.exit(2);
}
const entries = (JSON.parse(readFileSync(file, 'utf8')) as SqlTraceEntry[]).sort(
  (a, b) => b.ms + b.prepareMs - (a.ms + a.prepareMs),
);
const total = entries.reduce((sum, e) => sum + e.ms + e.prepareMs, 0);
console.log(
  `${entries.reduce((n, e) => n + e.count, 0)} statements, ${total.toFixed(0)} ms in SQLite (prepare included)\n`,
);
console.log(
  formatTable(
    ['count', 'total ms', 'mean ms', 'prepare ms', 'sql'],
    entries
      .slice(0, Number(top))
      .map((e) => [
        String(e.count),
        (e.ms + e.prepareMs).toFixed(0),
        (e.ms / Math.max(1, e.count)).toFixed(3),
        e.prepareMs.toFixed(0),
        e.sql.replace(/\s+/g, ' ').slice(0, 110),
      ]),
  ),
);
