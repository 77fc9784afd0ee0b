import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which proxies' `X-Forwarded-For` the service believes (Fastify's `trustProxy`), so that `request.ip` is the client
 * behind them: `false` (none: the peer is the client), a hop count, or the proxies' addresses and CIDR ranges.
 * Trusting every proxy (`true`) would let any client choose its own address, so it is not offered.
 */
export type TrustProxy = false | number | readonly string[];

/** proxy-addr's (Fastify's) names for well-known ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** `TRUST_PROXY`: unset, empty, `false` or `0` → off; `2` → two hops; `10.0.0.0/8,192.168.1.7` → those proxies. */
export const trustProxySchema = z
  .string()
  .optional()
  .transform((raw, ctx): TrustProxy => {
    const value = (raw ?? '').trim();
    if (value === '' || value === 'false' || value === '0') return false;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (entries.length === 0 || !entries.every(isAddressOrRange)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a hop count or a comma-separated list of proxy IPs and CIDR ranges',
      });
      return z.NEVER;
    }
    return Object.freeze(entries);
  });
