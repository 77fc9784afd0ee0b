import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('pretty logs in development only', () => {
  it('npm run dev pipes the JSON logs through pino-pretty', () => {
    expect(pkg.scripts.dev).toMatch(/src\/main\.ts \| pino-pretty$/);
  });

  it('pino-pretty is a devDependency, absent from the production install and never imported by src/', () => {
    expect(pkg.devDependencies['pino-pretty']).toBeDefined();
    expect(pkg.dependencies['pino-pretty']).toBeUndefined();
    const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const file of sources) expect(readFileSync(join(root, 'src', file), 'utf8')).not.toContain('pino-pretty');
    expect(pkg.scripts.start).not.toContain('pino-pretty');
  });
});
