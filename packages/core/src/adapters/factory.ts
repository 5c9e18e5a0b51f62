/**
 * Builds the three backends a configuration names. Each adapter module is imported only when it is
 * configured, so a folder-and-SQLite run never loads an AWS SDK, and a Lambda never loads SQLite.
 */
import path from "node:path";
import type { Config } from "../config/types.js";
import { ConfigError } from "../errors.js";
import type { Backends, Notifier, ObjectStore, RecordingIndex } from "../ports.js";

export interface CreateBackendsOptions {
  /** Relative `storage.root`, `index.path` and `notify.path` resolve against this. Default `process.cwd()`. */
  baseDir?: string;
}

/**
 * Opens the configured object store, index and notifier. If one fails to open, those already open are
 * closed again before the error is thrown.
 * @example
 * const backends = await createBackends(config, { baseDir: path.dirname(configFile) });
 * try { await backends.index.list({ limit: 10 }); } finally { await closeBackends(backends); }
 */
export async function createBackends(
  config: Pick<Config, "storage" | "index" | "notify">,
  options: CreateBackendsOptions = {},
): Promise<Backends> {
  const baseDir = options.baseDir ?? process.cwd();
  const local = (file: string) => path.resolve(baseDir, file);
  const opened: Partial<Backends> = {};
  try {
    opened.store = await createStore(config.storage, local);
    opened.index = await createIndex(config.index, local);
    opened.notifier = await createNotifier(config.notify, local);
    return opened as Backends;
  } catch (error) {
    await closeBackends(opened).catch(() => {});
    throw error;
  }
}

/**
 * Closes every backend that has a `close`, all of them even when one fails; the first failure is thrown.
 * @example
 * await closeBackends(backends);
 */
export async function closeBackends(backends: Partial<Backends>): Promise<void> {
  const results = await Promise.allSettled([
    backends.store?.close?.(),
    backends.index?.close?.(),
    backends.notifier?.close?.(),
  ]);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
}

type Resolve = (file: string) => string;

async function createStore(storage: Config["storage"], local: Resolve): Promise<ObjectStore> {
  switch (storage.type) {
    case "fs": {
      const { createFsStore } = await import("./fs-store.js");
      return createFsStore({ root: local(storage.root) });
    }
    case "s3":
      return notInThisBuild("storage.type", storage.type);
  }
}

async function createIndex(index: Config["index"], local: Resolve): Promise<RecordingIndex> {
  switch (index.type) {
    case "sqlite": {
      const { createSqliteIndex } = await import("./sqlite-index.js");
      return createSqliteIndex({ path: local(index.path) });
    }
    case "dynamodb":
      return notInThisBuild("index.type", index.type);
  }
}

async function createNotifier(notify: Config["notify"], local: Resolve): Promise<Notifier> {
  switch (notify.type) {
    case "outbox": {
      const { createOutboxNotifier } = await import("./outbox-notifier.js");
      return createOutboxNotifier({ path: local(notify.path) });
    }
    case "sqs":
      return notInThisBuild("notify.type", notify.type);
    case "none": {
      const { createNoneNotifier } = await import("./none-notifier.js");
      return createNoneNotifier();
    }
  }
}

// Placeholder until the AWS adapters land: each call site becomes `await import("./s3-store.js")` etc.
function notInThisBuild(key: string, type: string): never {
  throw new ConfigError(
    key,
    `${key} "${type}" needs the AWS backends, which are not in this build of zrec yet.`,
    {
      suggestion:
        'Use the embedded backends for now (storage "fs", index "sqlite", notify "outbox" or "none").',
    },
  );
}
