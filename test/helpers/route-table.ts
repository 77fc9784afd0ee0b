import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  /** The URL pattern, e.g. `/decisions/:inquiryId/redeliver`. */
  url: string;
  methods: string[];
}

/**
 * Every route the app serves, read from Fastify's own route tree (`printRoutes`), so a test that walks them covers
 * a route added later without being told. Each line of the tree is a node: its depth is its indent (4 characters a
 * level), its path is its ancestors' segments and its own, its methods are in parentheses (none: no handler there).
 */
export function listRoutes(app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    if (match[3]) routes.push({ url: stack.join(''), methods: match[3].split(',').map((m) => m.trim()) });
  }
  return routes;
}
