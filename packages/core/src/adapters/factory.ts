/**
 * From configuration to adapters, in one place: what the configured backends are and opening them
 * (setting them up and checking them is provision.ts, beside it). Nothing else in zrec switches on
 * `storage.type`, `index.type` or `notify.type`; a new backend type is added here, in provision.ts and in
 * its own adapter module. Each adapter module is imported only when it is configured, so a
 * folder-and-SQLite run never loads an AWS SDK, and a Lambda never loads SQLite.
 */
import path from "node:path";
import type { Config } from "../config/types.js";
import type { JobQueue } from "../jobs/types.js";
import type { Backends, Notifier, ObjectStore, RecordingIndex } from "../ports.js";
import type { AwsBackendOptions } from "./aws-client-config.js";
import { pathExists } from "./local-folder.js";

export type BackendName = "storage" | "index" | "notify";
type BackendConfig = Pick<Config, BackendName>;

export interface CreateBackendsOptions {
  /** Relative `storage.root`, `index.path` and `notify.path` resolve against this. Default `process.cwd()`. */
  baseDir?: string;
  /**
   * The index is opened to be rebuilt (rebuild-db): a SQLite index file that does not exist yet is
   * built as a new file and put in place when the index is closed (sqlite-index-build.ts). Other
   * indexes open as always.
   */
  rebuildingIndex?: boolean;
}

export interface CreateStoreOptions extends CreateBackendsOptions {
  /** A folder store's interrupted copies are removed after this many days (`ingest.abandonedAfterDays`). */
  abandonedAfterDays?: number;
}

/** A file or folder of the embedded backends, with the configuration key that names it. */
export interface LocalBackendPath {
  key: "storage.root" | "index.path" | "notify.path";
  path: string;
}

/** One configured backend and where it keeps its data. */
export type ConfiguredBackend = { backend: BackendName; type: string } & (
  | { place: "local"; file: LocalBackendPath | undefined } // undefined: in memory
  | { place: "aws"; profile: string | undefined } // undefined: the SDK's default credential chain
  | { place: "none" }
);

/**
 * The three configured backends, each with its place: this machine (the path it lives at), an AWS
 * service (the credentials profile), or none at all.
 * @example
 * configuredBackends(defaultConfig, "/srv/zrec")[0]; // { backend: "storage", type: "fs", place: "local", file: … }
 */
export function configuredBackends(config: BackendConfig, baseDir = process.cwd()): ConfiguredBackend[] {
  const { storage, index, notify } = config;
  const local = (key: LocalBackendPath["key"], file: string) => ({
    place: "local" as const,
    file: file === ":memory:" ? undefined : { key, path: path.resolve(baseDir, file) },
  });
  const notifyPlace =
    notify.type === "outbox"
      ? local("notify.path", notify.path)
      : notify.type === "sqs"
        ? { place: "aws" as const, profile: notify.profile }
        : { place: "none" as const };
  return [
    {
      backend: "storage",
      type: storage.type,
      ...(storage.type === "fs"
        ? local("storage.root", storage.root)
        : { place: "aws" as const, profile: storage.profile }),
    },
    {
      backend: "index",
      type: index.type,
      ...(index.type === "sqlite"
        ? local("index.path", index.path)
        : { place: "aws" as const, profile: index.profile }),
    },
    { backend: "notify", type: notify.type, ...notifyPlace },
  ];
}

/**
 * The absolute paths the embedded backends of `config` live at (AWS backends have none), so a command
 * that must not create them can first check they exist.
 * @example
 * localBackendPaths(config, "/srv/zrec"); // [{ key: "storage.root", path: "/srv/zrec/zrec-data" }, …]
 */
export function localBackendPaths(
  config: BackendConfig,
  baseDir: string = process.cwd(),
): LocalBackendPath[] {
  return configuredBackends(config, baseDir).flatMap((backend) =>
    backend.place === "local" && backend.file !== undefined ? [backend.file] : [],
  );
}

/**
 * Whether the configured store builds each object where the copy's bytes land (the folder store's one
 * file): a ranged copy into it streams its parts through small slices rather than holding each part
 * whole (transfer/part-through.ts), so what is readied before a copy differs.
 * @example
 * buildsInPlace(config.storage); // true for storage.type "fs"
 */
export function buildsInPlace(storage: Pick<Config["storage"], "type">): boolean {
  return storage.type === "fs";
}

/**
 * `config` with every AWS backend using `profile` (the CLI's `--profile`); the embedded backends have no
 * credentials to change.
 * @example
 * withAwsProfile(config, "archive-admin").storage; // { type: "s3", …, profile: "archive-admin" }
 */
export function withAwsProfile<T extends BackendConfig>(config: T, profile: string): T {
  const { storage, index, notify } = config;
  return {
    ...config,
    storage: storage.type === "s3" ? { ...storage, profile } : storage,
    index: index.type === "dynamodb" ? { ...index, profile } : index,
    notify: notify.type === "sqs" ? { ...notify, profile } : notify,
  };
}

/**
 * Where `zrec serve`'s job queue lives: `serve.queuePath` when set; else the index's SQLite file (a
 * table beside the recordings); else `zrec-jobs.db` in `baseDir` (the configuration file's folder).
 * @example
 * const file = jobQueuePath(config, resolved.baseDir);
 */
export function jobQueuePath(config: Pick<Config, "index" | "serve">, baseDir: string): string {
  if (config.serve.queuePath !== null) return path.resolve(baseDir, config.serve.queuePath);
  if (config.index.type === "sqlite" && config.index.path !== ":memory:") {
    return path.resolve(baseDir, config.index.path);
  }
  return path.resolve(baseDir, "zrec-jobs.db");
}

/**
 * Opens the configured object store, index and notifier. If one fails to open, those already open are
 * closed again before the error is thrown.
 * @example
 * const backends = await createBackends(config, { baseDir: path.dirname(configFile) });
 * try { await backends.index.list({ limit: 10 }); } finally { await closeBackends(backends); }
 */
export async function createBackends(
  config: BackendConfig & { ingest: Pick<Config["ingest"], "abandonedAfterDays"> },
  options: CreateBackendsOptions = {},
): Promise<Backends> {
  const opened: Partial<Backends> = {};
  try {
    opened.store = await createStore(config.storage, {
      ...options,
      abandonedAfterDays: config.ingest.abandonedAfterDays,
    });
    opened.index = await createIndex(config.index, options);
    opened.notifier = await createNotifier(config.notify, options);
    return { store: opened.store, index: opened.index, notifier: opened.notifier };
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

/**
 * The configured object store alone, for a caller that needs neither the index nor the notifier (the
 * Lambda webhook, which keeps the download token in the bucket; `zrec doctor`).
 * @example
 * const store = await createStore(config.storage);
 */
export async function createStore(
  storage: Config["storage"],
  options: CreateStoreOptions = {},
): Promise<ObjectStore> {
  switch (storage.type) {
    case "fs": {
      const { createFsStore } = await import("./fs-store.js");
      const { abandonedAfterDays } = options;
      return createFsStore({
        root: resolver(options)(storage.root),
        ...(abandonedAfterDays !== undefined ? { abandonedAfterDays } : {}),
      });
    }
    case "s3": {
      const { createS3Store } = await import("./s3-store.js");
      const { bucket, prefix, forcePathStyle } = storage;
      return createS3Store({ bucket, prefix, forcePathStyle, ...awsOptions(storage) });
    }
  }
}

/**
 * The configured index alone. Opening a SQLite index creates its file.
 * @example
 * const index = await createIndex(config.index);
 */
export async function createIndex(
  index: Config["index"],
  options: CreateBackendsOptions = {},
): Promise<RecordingIndex> {
  switch (index.type) {
    case "sqlite": {
      const file = resolver(options)(index.path);
      // A path stat cannot answer for (ENOTDIR, EACCES) opens as always, which names the fault.
      const missing = () =>
        pathExists(file).then(
          (exists) => !exists,
          () => false,
        );
      if (options.rebuildingIndex && index.path !== ":memory:" && (await missing())) {
        const { createSqliteIndexBuild } = await import("./sqlite-index-build.js");
        return createSqliteIndexBuild({ path: file });
      }
      const { createSqliteIndex } = await import("./sqlite-index.js");
      return createSqliteIndex({ path: file });
    }
    case "dynamodb": {
      const { createDynamoDbIndex } = await import("./dynamodb-index.js");
      return createDynamoDbIndex({ table: index.table, ...awsOptions(index) });
    }
  }
}

/**
 * The configured notifier alone.
 * @example
 * const notifier = await createNotifier(config.notify);
 */
export async function createNotifier(
  notify: Config["notify"],
  options: CreateBackendsOptions = {},
): Promise<Notifier> {
  switch (notify.type) {
    case "outbox": {
      const { createOutboxNotifier } = await import("./outbox-notifier.js");
      return createOutboxNotifier({ path: resolver(options)(notify.path) });
    }
    case "sqs": {
      const { createSqsNotifier } = await import("./sqs-notifier.js");
      return createSqsNotifier({ queueUrl: notify.queueUrl, ...awsOptions(notify) });
    }
    case "none": {
      const { createNoneNotifier } = await import("./none-notifier.js");
      return createNoneNotifier();
    }
  }
}

/**
 * Opens (creating when needed) the SQLite job queue at `file` (see `jobQueuePath`).
 * @example
 * const queue = await openJobQueue(jobQueuePath(config, baseDir));
 * try { console.log(queue.list({ state: "failed" })); } finally { queue.close(); }
 */
export async function openJobQueue(file: string): Promise<JobQueue> {
  const { createSqliteJobQueue } = await import("./sqlite-job-queue.js");
  return createSqliteJobQueue({ path: file });
}

/** Resolves a configured path against the configuration's folder. */
export function resolver(options: CreateBackendsOptions): (file: string) => string {
  const baseDir = options.baseDir ?? process.cwd();
  return (file) => path.resolve(baseDir, file);
}

/** Region, endpoint and profile as the AWS adapters take them: only those that are set. */
export function awsOptions(settings: {
  region?: string;
  endpoint?: string;
  profile?: string;
}): AwsBackendOptions {
  const options: AwsBackendOptions = {};
  if (settings.region !== undefined) options.region = settings.region;
  if (settings.endpoint !== undefined) options.endpoint = settings.endpoint;
  if (settings.profile !== undefined) options.profile = settings.profile;
  return options;
}
