import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** console/vendor/ ← node_modules, as scripts/vendor-console.sh copies them (unchanged). */
const VENDORED: [vendored: string, packageFile: string][] = [
  ['console/vendor/preact.module.js', 'node_modules/preact/dist/preact.module.js'],
  ['console/vendor/preact.module.js.map', 'node_modules/preact/dist/preact.module.js.map'],
  ['console/vendor/preact.LICENSE', 'node_modules/preact/LICENSE'],
  ['console/vendor/htm.module.js', 'node_modules/htm/dist/htm.module.js'],
  ['console/vendor/htm.LICENSE', 'node_modules/htm/LICENSE'],
];

describe('the console’s vendored library', () => {
  it.each(VENDORED)('%s is the pinned package’s %s, byte for byte', (vendored, packageFile) => {
    const same = readFileSync(vendored).equals(readFileSync(packageFile));
    expect(same, `${vendored} differs from ${packageFile}: run scripts/vendor-console.sh`).toBe(true);
  });

  it('pins preact and htm exactly in package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> };
    for (const name of ['preact', 'htm']) expect(pkg.devDependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('loads nothing from another origin', () => {
    for (const [vendored] of VENDORED.filter(([file]) => file.endsWith('.js'))) {
      expect(readFileSync(vendored, 'utf8')).not.toMatch(/\bimport\s*[^;]*from\s*["']https?:/);
    }
  });
});
