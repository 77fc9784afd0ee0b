import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reasonCatalogue } from '../../src/decision/reasons.js';

// The reason codes are a public contract; the documented table must not drift from the code.
const docs = readFileSync(new URL('../../docs/decision-policy.md', import.meta.url), 'utf8');
const tableRow = /^\| `([a-z_]+)` \| (approved|declined|manual_review|retry|info) \|/gm;
const documented = new Map([...docs.matchAll(tableRow)].map((m) => [m[1] ?? '', m[2] ?? '']));

describe('reason catalogue', () => {
  it.each(Object.entries(reasonCatalogue))('documents %s with outcome %s', (code, outcome) => {
    expect(documented.get(code)).toBe(outcome);
  });

  it('documents no code the engine does not emit', () => {
    expect([...documented.keys()].filter((code) => !(code in reasonCatalogue))).toEqual([]);
  });

  it('uses stable snake_case codes', () => {
    for (const code of Object.keys(reasonCatalogue)) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});
