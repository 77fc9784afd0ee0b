import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../src/http/errors.js';
import { CONSOLE_CSP, CONSOLE_ROOT, consoleRoutes } from '../../src/http/routes/console.js';
import { createTestContext, type TestContext } from '../helpers/test-app.js';

let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  // a folder of its own, with a secret beside it that no path may reach
  dir = mkdtempSync(join(tmpdir(), 'persona-decider-console-'));
  mkdirSync(join(dir, 'console', 'js'), { recursive: true });
  mkdirSync(join(dir, 'console', 'vendor'));
  writeFileSync(join(dir, 'secret.txt'), 'not for the browser');
  writeFileSync(join(dir, 'console-other.txt'), 'a sibling sharing the prefix');
  writeFileSync(join(dir, 'console', 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'console', 'js', 'app.js'), 'export {};');
  writeFileSync(join(dir, 'console', 'console.css'), 'body {}');
  writeFileSync(join(dir, 'console', 'vendor', 'preact.LICENSE'), 'MIT');
  writeFileSync(join(dir, 'console', 'data.bin'), 'unknown type');
  app = Fastify();
  installErrorHandler(app);
  await app.register(consoleRoutes, { root: join(dir, 'console') });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /console', () => {
  it.each(['/console', '/console/', '/console/index.html'])('serves index.html at %s, never cached', async (url) => {
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('<title>console</title>');
  });

  it.each([
    ['/console/js/app.js', 'text/javascript; charset=utf-8'],
    ['/console/console.css', 'text/css; charset=utf-8'],
    ['/console/vendor/preact.LICENSE', 'text/plain; charset=utf-8'],
  ])('serves %s as %s, revalidated on every load', async (url, type) => {
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('sends a strict content security policy and no referrer on every file', async () => {
    for (const url of ['/console', '/console/js/app.js']) {
      const res = await app.inject({ url });
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['content-security-policy']).toContain("script-src 'self';");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it.each([
    '/console/../secret.txt',
    '/console/..%2fsecret.txt',
    '/console/%2e%2e/secret.txt',
    '/console/js/..%2f..%2fsecret.txt',
    '/console/..%2fconsole-other.txt',
    '/console/%2Fetc%2Fpasswd',
    '/console/js',
    '/console/js/',
    '/console/missing.js',
    '/console/data.bin',
    '/console/a%00.js',
  ])('answers 404 for %s (outside the folder, a folder, missing, or an unknown type)', async (url) => {
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    expect(res.body).not.toContain('not for the browser');
  });
});

describe('the service’s console', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.cleanup();
  });

  it('serves the repository’s console/ folder with its vendored library, without a token', async () => {
    expect(CONSOLE_ROOT).toMatch(/\/console\/$/);
    const page = await ctx.app.inject({ url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script type="module" src="/console/js/main.js"></script>');
    for (const url of ['/console/js/main.js', '/console/vendor/preact.module.js', '/console/vendor/htm.module.js']) {
      expect((await ctx.app.inject({ url })).statusCode, url).toBe(200);
    }
  });

  it('keeps the console out of the OpenAPI document', async () => {
    const document = (await ctx.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
  });
});
