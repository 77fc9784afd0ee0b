import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { dialectTitle, storeDialects } from './dialects.js';

const ALL = [
  '2026-11-29-001-initial',
  '2026-11-29-002-scale-out',
  '2026-12-01-001-failed-jobs',
  '2026-12-02-001-lifecycle',
  '2026-12-03-001-metrics',
  '2026-12-04-001-write-back',
  '2026-12-05-001-reconciliations',
  '2026-12-06-001-shadow',
  '2026-12-07-001-audit',
  '2026-12-08-001-review-queue',
];

describe.each(storeDialects)('migrations', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    it('applies every migration once; the next start finds nothing to do', async () => {
      const created = await d.createDatabase();
      const database = await connectDatabase(created.url);
      try {
        expect(await migrateToLatest(database.db)).toEqual(ALL);
        expect(await migrateToLatest(database.db)).toEqual([]);
      } finally {
        await database.close();
        await created.cleanup();
      }
    });

    it.runIf(d.dialect === 'postgres')('migrates once when three replicas start together', async () => {
      const created = await d.createDatabase();
      const replicas = await Promise.all([1, 2, 3].map(() => connectDatabase(created.url)));
      try {
        const applied = await Promise.all(replicas.map((r) => migrateToLatest(r.db)));
        expect(applied.filter((names) => names.length > 0)).toEqual([ALL]);
        const first = replicas[0];
        if (!first) throw new Error('no replica');
        const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(first.db);
        expect(recorded.rows.map((r) => r.name)).toEqual(ALL);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
        await created.cleanup();
      }
    });
  });
});
