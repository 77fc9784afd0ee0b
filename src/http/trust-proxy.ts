import type { TrustProxy } from '../config-trust-proxy.js';

/**
 * Fastify 5 ignores a bare hop count (it cannot tell a proxy from a client that connects directly and sends
 * X-Forwarded-For itself), so a count is given as the function Express uses: trust the first `hops` addresses from
 * the socket inwards. That is only sound when nothing but the proxies can reach the service (docs/deployment.md).
 */
export function toFastifyTrustProxy(
  trustProxy: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trustProxy === false) return false;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return [...trustProxy];
}
