/**
 * A command's run against the configured backends: configuration found and validated, backends (or the
 * whole pipeline) opened, and closed again however the command ends. Commands import this lazily (it
 * loads core's archive entry and cosmiconfig); the rest of core loads only with `withPipeline`.
 */
import { existsSync } from "node:fs";
import type { openPipeline } from "@zrec/core";
import {
  type Backends,
  ConfigError,
  closeBackends,
  createBackends,
  type LocalBackendPath,
  localBackendPaths,
} from "@zrec/core/archive";
import { type ResolvedConfig, resolveConfig } from "./config.js";
import type { GlobalOptions } from "./options.js";

export type OpenedPipeline = Awaited<ReturnType<typeof openPipeline>>;

/**
 * The configuration the global options ask for (`--config`, `--profile`), for commands that do not open
 * the pipeline (setup, doctor).
 * @example
 * const { config, source } = await resolveFor(options);
 */
export function resolveFor(
  options: Pick<GlobalOptions, "config" | "profile">,
  cwd: string = process.cwd(),
): Promise<ResolvedConfig> {
  return resolveConfig({
    cwd,
    ...(options.config === undefined ? {} : { configPath: options.config }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
}

/**
 * Opens the pipeline, runs `use`, closes it. `check` sees the configuration first: what it refuses
 * (an account that is not configured, say) opens nothing, so no archive folder is created for it.
 * @example
 * const doc = await withPipeline(options, ({ backends }) => backends.index.get(id));
 */
export async function withPipeline<T>(
  options: Pick<GlobalOptions, "config" | "profile">,
  use: (pipeline: OpenedPipeline, resolved: ResolvedConfig) => Promise<T>,
  { check, cwd = process.cwd() }: { check?: (resolved: ResolvedConfig) => void; cwd?: string } = {},
): Promise<T> {
  const [resolved, { openPipeline }] = await Promise.all([resolveFor(options, cwd), import("@zrec/core")]);
  check?.(resolved);
  const pipeline = await openPipeline(resolved.config, { baseDir: resolved.baseDir });
  try {
    return await use(pipeline, resolved);
  } finally {
    await pipeline.close();
  }
}

export interface ExistingBackendsOptions {
  /** Which of the folder store and the SQLite index the command reads, and so must exist. Default both. */
  needs?: LocalBackendPath["key"][];
  /** rebuild-db: a missing SQLite index is built in a new file (core's `rebuildingIndex`). */
  rebuildingIndex?: boolean;
  cwd?: string;
}

/**
 * {@link withPipeline} for the commands that only read or maintain the archive (`list`, `get`, `search`, `site`,
 * `rebuild-db`, `purge-old`): the backends alone, without the Zoom clients and what they load. A folder
 * store or SQLite index that does not exist is a mistake (a typo, the wrong folder, a moved file), never
 * a new, empty archive to create; `needs` says which of them the command reads.
 * @throws ConfigError (exit 2) naming the path, the key and the configuration in use.
 * @example
 * const rows = await withExistingBackends(options, ({ backends }) => backends.index.list({ limit: 20 }));
 */
export async function withExistingBackends<T>(
  options: Pick<GlobalOptions, "config" | "profile">,
  use: (opened: { backends: Backends }, resolved: ResolvedConfig) => Promise<T>,
  {
    needs = ["storage.root", "index.path"],
    rebuildingIndex = false,
    cwd = process.cwd(),
  }: ExistingBackendsOptions = {},
): Promise<T> {
  const resolved = await resolveFor(options, cwd);
  const missing = missingLocalPaths(resolved).filter((local) => needs.includes(local.key));
  const first = missing[0];
  if (first !== undefined) {
    const what = first.key === "storage.root" ? "The store folder" : "The index";
    throw new ConfigError(
      first.key,
      `${what} ${first.path} does not exist (${first.key} in ${configName(resolved, cwd)}).`,
      {
        suggestion:
          "Run zrec in the folder of your zrec.config.json or pass --config FILE. A new archive is created by `zrec setup` or the first `zrec ingest`; `zrec rebuild-db` rebuilds a lost index from the store.",
      },
    );
  }
  const backends = await createBackends(resolved.config, { baseDir: resolved.baseDir, rebuildingIndex });
  try {
    return await use({ backends }, resolved);
  } finally {
    await closeBackends(backends);
  }
}

/** The folder store, SQLite index and outbox of `resolved` that do not exist yet. */
export function missingLocalPaths(resolved: ResolvedConfig): LocalBackendPath[] {
  return localBackendPaths(resolved.config, resolved.baseDir).filter((local) => !existsSync(local.path));
}

/** Which configuration is in use, in words: the file, or the embedded default and where none was found. */
export function configName(resolved: ResolvedConfig, cwd: string = process.cwd()): string {
  return resolved.source ?? `the embedded default, no zrec.config.* in ${cwd}`;
}
