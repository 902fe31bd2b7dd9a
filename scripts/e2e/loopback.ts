/**
 * Listening on and closing the harness's own servers (git, chart proxy, the --keep forwarder),
 * always on 127.0.0.1: a port in use is one line naming it and the way out.
 */
import * as http from 'http';
import * as net from 'net';

/** Listens on 127.0.0.1:`port` (0: any free port); resolves with the port it got. */
export function listen(server: net.Server, port: number, what: string, fix: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is in use, so ${what} cannot listen there; ${fix}`) : e));
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Closes a server and drops its open connections, instead of waiting for clients to leave. */
export function close(server: net.Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (server instanceof http.Server) server.closeAllConnections();
  return closed;
}

/** A server that joins each client to a new connection made by `connect` (the --keep forwarders). */
export function relay(connect: () => net.Socket): net.Server {
  return net.createServer((client) => {
    const upstream = connect();
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
}
