import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, ErrorCodes } from '../../errors.js';

/**
 * The operator console's folder: `console/` at the repository root (and at /app/console in the image). This module
 * is src/http/routes/console.ts under tsx and dist/http/routes/console.js when built: three levels below the root
 * either way.
 */
export const CONSOLE_ROOT = fileURLToPath(new URL('../../../console/', import.meta.url));

/**
 * Everything the page loads comes from here; the API it calls is on the same origin. No inline script or style,
 * no frames, no forms posted anywhere (the page sends its requests with fetch).
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  // the vendored libraries' licences (preact.LICENSE)
  '.license': 'text/plain; charset=utf-8',
};

export interface ConsoleOptions {
  /** The folder served; default CONSOLE_ROOT. */
  root?: string;
}

/**
 * GET /console: the operator console, a static page (no build step) that calls the bearer API from the browser.
 * GET /console/<file>: its modules, styles and vendored library, from that folder only. The page holds no data: the
 * API's answers carry it, each `Cache-Control: no-store`. Hidden from the OpenAPI document, like /docs.
 */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions = {}): Promise<void> {
  const root = resolve(options.root ?? CONSOLE_ROOT);
  const index = (_request: unknown, reply: FastifyReply) => sendFile(reply, root, 'index.html');
  app.get('/console', { schema: { hide: true } }, index);
  app.get('/console/', { schema: { hide: true } }, index);
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, (request, reply) =>
    sendFile(reply, root, request.params['*']),
  );
}

async function sendFile(reply: FastifyReply, root: string, relative: string): Promise<FastifyReply> {
  const file = resolve(root, relative);
  const type = CONTENT_TYPES[extname(file).toLowerCase()];
  // the folder only: `..`, an absolute path or an encoded separator resolving outside it is not there
  if (!file.startsWith(root + sep) || type === undefined) throw notFound();
  let body: Buffer;
  try {
    if (!(await stat(file)).isFile()) throw notFound();
    body = await readFile(file);
  } catch {
    throw notFound(); // missing, a directory, a name the file system refuses (a NUL byte)
  }
  return reply
    .header('content-type', type)
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', file === resolve(root, 'index.html') ? 'no-store' : 'no-cache')
    .send(body);
}

function notFound(): AppError {
  return new AppError(ErrorCodes.NOT_FOUND, 'no such console file');
}
