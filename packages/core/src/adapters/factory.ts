/**
 * Builds the three backends a configuration names. Each adapter module is imported only when it is
 * configured, so a folder-and-SQLite run never loads an AWS SDK, and a Lambda never loads SQLite.
 */
import path from "node:path";
import type { Config } from "../config/types.js";
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
  config: Pick<Config, "storage" | "index" | "notify"> & {
    ingest?: Pick<Config["ingest"], "abandonedAfterDays">;
  },
  options: CreateBackendsOptions = {},
): Promise<Backends> {
  const baseDir = options.baseDir ?? process.cwd();
  const local = (file: string) => path.resolve(baseDir, file);
  const opened: Partial<Backends> = {};
  try {
    opened.store = await createStore(config.storage, local, config.ingest?.abandonedAfterDays);
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

/** A file or folder of the embedded backends, with the configuration key that names it. */
export interface LocalBackendPath {
  key: "storage.root" | "index.path" | "notify.path";
  path: string;
}

/**
 * The absolute paths the embedded backends of `config` live at (AWS backends have none), so a command
 * that must not create them can first check they exist.
 * @example
 * localBackendPaths(config, "/srv/zrec"); // [{ key: "storage.root", path: "/srv/zrec/zrec-data" }, …]
 */
export function localBackendPaths(
  config: Pick<Config, "storage" | "index" | "notify">,
  baseDir: string = process.cwd(),
): LocalBackendPath[] {
  const paths: LocalBackendPath[] = [];
  if (config.storage.type === "fs")
    paths.push({ key: "storage.root", path: path.resolve(baseDir, config.storage.root) });
  if (config.index.type === "sqlite" && config.index.path !== ":memory:")
    paths.push({ key: "index.path", path: path.resolve(baseDir, config.index.path) });
  if (config.notify.type === "outbox")
    paths.push({ key: "notify.path", path: path.resolve(baseDir, config.notify.path) });
  return paths;
}

type Resolve = (file: string) => string;

/**
 * The configured object store alone, for a caller that needs neither the index nor the notifier (the
 * Lambda webhook, which keeps the download token in the bucket): their SDKs are not loaded.
 * @example
 * const store = await openStore(config.storage);
 */
export function openStore(
  storage: Config["storage"],
  options: CreateBackendsOptions = {},
): Promise<ObjectStore> {
  const baseDir = options.baseDir ?? process.cwd();
  return createStore(storage, (file) => path.resolve(baseDir, file), undefined);
}

async function createStore(
  storage: Config["storage"],
  local: Resolve,
  abandonedAfterDays: number | undefined,
): Promise<ObjectStore> {
  switch (storage.type) {
    case "fs": {
      const { createFsStore } = await import("./fs-store.js");
      return createFsStore({
        root: local(storage.root),
        ...(abandonedAfterDays !== undefined ? { abandonedAfterDays } : {}),
      });
    }
    case "s3": {
      const { createS3Store } = await import("./s3-store.js");
      const { bucket, prefix, region, endpoint, forcePathStyle, profile } = storage;
      return createS3Store({ bucket, prefix, forcePathStyle, ...defined({ region, endpoint, profile }) });
    }
  }
}

async function createIndex(index: Config["index"], local: Resolve): Promise<RecordingIndex> {
  switch (index.type) {
    case "sqlite": {
      const { createSqliteIndex } = await import("./sqlite-index.js");
      return createSqliteIndex({ path: local(index.path) });
    }
    case "dynamodb": {
      const { createDynamoDbIndex } = await import("./dynamodb-index.js");
      const { table, region, endpoint, profile } = index;
      return createDynamoDbIndex({ table, ...defined({ region, endpoint, profile }) });
    }
  }
}

async function createNotifier(notify: Config["notify"], local: Resolve): Promise<Notifier> {
  switch (notify.type) {
    case "outbox": {
      const { createOutboxNotifier } = await import("./outbox-notifier.js");
      return createOutboxNotifier({ path: local(notify.path) });
    }
    case "sqs": {
      const { createSqsNotifier } = await import("./sqs-notifier.js");
      const { queueUrl, region, endpoint, profile } = notify;
      return createSqsNotifier({ queueUrl, ...defined({ region, endpoint, profile }) });
    }
    case "none": {
      const { createNoneNotifier } = await import("./none-notifier.js");
      return createNoneNotifier();
    }
  }
}

/** Drops undefined options, so an adapter's own default applies (exactOptionalPropertyTypes-safe). */
function defined<T extends Record<string, string | undefined>>(options: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: string;
  };
}
