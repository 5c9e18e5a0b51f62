/**
 * A throwaway DynamoDB for tests: dynalite, in memory, on 127.0.0.1 at a free port. Nothing touches AWS
 * and nothing outlives `close()`.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { forTheseTests } from "./lifecycle.js";
import { closerOf, listenOnLoopback } from "./loopback-server.js";

// dynalite is CommonJS without types; this is the part of its API we use.
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
const dynalite = createRequire(import.meta.url)("dynalite") as DynaliteFactory;

export interface StartDynaliteOptions {
  /**
   * How long a new table stays CREATING before it turns ACTIVE. Default 0: at once, so `ensureTable`
   * does not wait. Pass a few hundred ms (AWS takes seconds) to exercise code that waits for ACTIVE.
   */
  createTableMs?: number;
  /** Same for DELETING. Default 0. */
  deleteTableMs?: number;
  /** Same for UPDATING (adding an index, …). Default 0. */
  updateTableMs?: number;
}

export interface Dynalite {
  /** `http://127.0.0.1:{port}`: what a DynamoDB client's `endpoint` or zrec's `index.endpoint` takes. */
  readonly endpoint: string;
  /**
   * A new client for this server, region us-east-1, dummy credentials (dynalite does not check them).
   * `close()` destroys every client made here.
   */
  client(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  /** Destroys the clients made by `client()`, drops open connections and stops the server. */
  close(): Promise<void>;
}

/** Credentials dynalite accepts (it accepts any); never real ones. */
export const DYNALITE_CREDENTIALS = { accessKeyId: "dynalite", secretAccessKey: "dynalite" } as const;

/** dynalite for the tests of a file (or describe): started in `beforeAll`, closed in `afterAll`. */
export function useDynalite(options: StartDynaliteOptions = {}): () => Dynalite {
  return forTheseTests("dynalite", () => startDynalite(options));
}

/**
 * Starts an in-memory dynalite on 127.0.0.1 at a random free port.
 * @example
 * let db: Dynalite;
 * beforeAll(async () => { db = await startDynalite(); });
 * afterAll(() => db.close());
 * it("writes", async () => {
 *   const client = db.client();
 *   await ensureTable(client, "recordings");
 * });
 */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<Dynalite> {
  const server = dynalite({
    createTableMs: options.createTableMs ?? 0,
    deleteTableMs: options.deleteTableMs ?? 0,
    updateTableMs: options.updateTableMs ?? 0,
  });
  const endpoint = await listenOnLoopback(server);
  const clients: DynamoDBClient[] = [];

  return {
    endpoint,
    client(config = {}) {
      const client = new DynamoDBClient({
        region: "us-east-1",
        endpoint,
        credentials: DYNALITE_CREDENTIALS,
        ...config,
      });
      clients.push(client);
      return client;
    },
    close: closerOf(server, clients),
  };
}
