import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ListenAddress {
  /** Default 127.0.0.1: the simulator and the sink are test tools and should not be reachable from elsewhere. */
  host?: string;
  /** Default 0: an ephemeral port chosen by the OS. */
  port?: number;
}

/** Listens and returns the origin (`http://127.0.0.1:54321`) with the port actually bound. */
export async function listenOn(app: FastifyInstance, address: ListenAddress = {}): Promise<string> {
  const host = address.host ?? '127.0.0.1';
  await app.listen({ host, port: address.port ?? 0 });
  const bound = app.server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound.port}`;
}

/** The origin of a listening app, for `url` getters; throws before `listen`, where there is no URL yet. */
export function originOf(origin: string | null, what: string): string {
  if (origin === null) throw new Error(`${what} is not listening yet: call listen() first`);
  return origin;
}
