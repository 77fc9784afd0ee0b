import { describe, expect, it } from 'vitest';
import { loadDatabaseConfig } from '../../src/config.js';

describe('loadDatabaseConfig (the database keys alone, for npm run policy -- backtest)', () => {
  it("takes the service's defaults and needs none of its secrets", () => {
    expect(loadDatabaseConfig({})).toEqual({
      databaseUrl: 'sqlite:./data/decisions.db',
      databasePoolSize: 10,
      sqliteSynchronous: 'FULL',
    });
  });

  it('reads the keys by the same rules', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://db/x', DATABASE_POOL_SIZE: '3' })).toMatchObject({
      databaseUrl: 'postgres://db/x',
      databasePoolSize: 3,
    });
  });

  it('reports every bad key at once, naming keys, not values', () => {
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://u:hunter2@db/x', DATABASE_POOL_SIZE: '0' })).toThrow(
      'Invalid configuration:\n  - DATABASE_URL must be sqlite:<path> or postgres://…\n  - DATABASE_POOL_SIZE Too small: expected number to be >0',
    );
  });
});
