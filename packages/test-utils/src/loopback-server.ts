/** Starting and stopping the HTTP stand-ins (dynalite, the local SQS) the same way. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1 at a free port; resolves to its origin, `http://127.0.0.1:{port}`. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A `close()` for `server`: destroys the SDK clients made for it, drops open connections (keep-alive
 * sockets would hold the close open until they time out) and stops it. Calling it again waits for the
 * same close.
 */
export function closerOf(server: Server, clients: { destroy(): void }[]): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= new Promise<void>((resolve, reject) => {
      for (const client of clients.splice(0)) client.destroy();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closed;
  };
}
