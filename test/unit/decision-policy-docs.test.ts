import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/decision/load-policy.js';
import { parsePolicy } from '../../src/decision/policy.js';

/** The policy files the docs show are real: each loads as the service would load it. */
const docs = readFileSync(new URL('../../docs/decision-policy.md', import.meta.url), 'utf8');
const jsonBlocks = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!) as unknown);
const policyBlocks = jsonBlocks.filter(
  (block): block is Record<string, unknown> =>
    typeof block === 'object' && block !== null && !('outcome' in block) && !('code' in block),
);

describe('docs/decision-policy.md', () => {
  it('shows policy files (and they include rules and templates)', () => {
    expect(policyBlocks.length).toBeGreaterThanOrEqual(3);
    expect(policyBlocks.some((block) => 'rules' in block)).toBe(true);
    expect(policyBlocks.some((block) => 'templates' in block)).toBe(true);
  });

  it.each(policyBlocks.map((block, i) => [i, block] as const))('policy example %i loads', (_, block) => {
    expect(() => parsePolicy(block, 'docs example')).not.toThrow();
  });
});

describe('docs/examples', () => {
  const dir = new URL('../../docs/examples/', import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith('-policy.json'));

  it.each(files)('%s loads', (name) => {
    const policy = loadPolicyFile(new URL(name, dir).pathname);
    expect(policy.version).not.toBe('');
  });
});
