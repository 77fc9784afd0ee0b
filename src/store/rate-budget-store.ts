import { z } from 'zod';
import type { RateBudgetStore } from '../persona/rate-budget-port.js';
import type { Db, Dialect } from './database.js';
import { parseRow } from './parse-row.js';

const budgetRowSchema = z.object({
  limit_per_window: z.number().nullable(),
  remaining: z.number().nullable(),
  reset_at: z.number().nullable(),
  next_grant_at: z.number(),
});

export function createRateBudgetStore(options: { db: Db; dialect: Dialect }): RateBudgetStore {
  const { db, dialect } = options;
  const known = new Set<string>();

  const ensureRow = async (name: string, now: number) => {
    if (known.has(name)) return;
    await db
      .insertInto('rate_budget')
      .values({ name, limit_per_window: null, remaining: null, reset_at: null, next_grant_at: 0, updated_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    known.add(name);
  };

  return {
    async update(name, now, change) {
      await ensureRow(name, now);
      return db.transaction().execute(async (trx) => {
        let select = trx.selectFrom('rate_budget').selectAll().where('name', '=', name);
        if (dialect === 'postgres') select = select.forUpdate();
        const row = await select.executeTakeFirstOrThrow();
        const live = await trx
          .selectFrom('rate_budget_grants')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('name', '=', name)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        const budget = parseRow(budgetRowSchema, row, `rate budget row ${name}`);
        const { window, addGrant, removeGrant, result } = change({
          limit: budget.limit_per_window,
          remaining: budget.remaining,
          resetAt: budget.reset_at,
          nextGrantAt: budget.next_grant_at,
          inFlight: Number(live?.n ?? 0),
        });
        await trx
          .updateTable('rate_budget')
          .set({
            limit_per_window: window.limit,
            remaining: window.remaining,
            reset_at: window.resetAt,
            next_grant_at: Math.ceil(window.nextGrantAt),
            updated_at: now,
          })
          .where('name', '=', name)
          .execute();
        if (addGrant)
          await trx
            .insertInto('rate_budget_grants')
            .values({ grant_id: addGrant.id, name, expires_at: addGrant.expiresAt })
            .execute();
        if (removeGrant) {
          // the observed grant, and any a dead process left behind
          await trx
            .deleteFrom('rate_budget_grants')
            .where((eb) =>
              eb.or([eb('grant_id', '=', removeGrant), eb.and([eb('name', '=', name), eb('expires_at', '<=', now)])]),
            )
            .execute();
        }
        return result;
      });
    },
  };
}
