/**
 * What a handler builds once per cold start, at module scope: the configuration (with its secrets) and,
 * for the handlers that start executions, the store that keeps download tokens (backends-runtime.ts
 * and pipeline-runtime.ts build the backends and Zoom clients of the rest). Building starts when the
 * module loads, so it overlaps Lambda's init phase; a build that failed (SSM throttled, say) is tried
 * again on the next event instead of breaking the warm container for good. Imports only
 * `@zrec/core/webhook`: the webhook's bundle holds no Zoom client.
 */
import type { SFNClient } from "@aws-sdk/client-sfn";
import { type Config, createStore } from "@zrec/core/webhook";
import { checkLambdaBackends, loadHandlerConfig } from "./config.js";
import { objectTokenStore, type TokenStore } from "./download-token.js";
import type { Log } from "./log.js";
import type { Env, SecretClients } from "./secrets.js";

export interface RuntimeOptions {
  /** Clients for SSM and Secrets Manager (tests); default new ones. */
  secretClients?: SecretClients;
}

/** What tests may hand a handler's `createHandler` beside its environment. */
export interface HandlerOptions extends RuntimeOptions {
  /** The Step Functions client of the handlers that start executions; default a new one. */
  sfn?: SFNClient;
  /** The clock, for scheduled handlers' default windows. */
  now?: () => Date;
}

/** Calls `make` now and returns its promise on every call, unless it failed: then it calls again. */
export function startOnce<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  const get = (): Promise<T> => {
    if (pending === undefined) {
      const made = make();
      pending = made;
      made.catch(() => {
        if (pending === made) pending = undefined;
      });
    }
    return pending;
  };
  get().catch(() => {});
  return get;
}

/** The configuration alone: for the handlers that only start executions. */
export function configRuntime(env: Env, options: RuntimeOptions = {}): () => Promise<Config> {
  return startOnce(() => loadHandlerConfig(env, options.secretClients));
}

/** Where the handlers that start executions keep download tokens: the archive's bucket. */
export function tokenStoreRuntime(config: () => Promise<Config>): () => Promise<TokenStore> {
  return startOnce(async () => {
    const loaded = await config();
    checkLambdaBackends(loaded, "storage");
    return objectTokenStore(await createStore(loaded.storage));
  });
}

export interface Invocation {
  log: Log;
  /** Aborts shortly before Lambda's own timeout, so that a copy aborts its multipart upload. */
  signal?: AbortSignal;
  /** Epoch ms by which a stage with a time budget should return (well before `signal` aborts). */
  deadline?: number;
}
