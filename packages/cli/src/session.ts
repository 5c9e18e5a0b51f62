/**
 * A command's run against the configured backends: configuration found and validated, backends (or the
 * whole pipeline) opened, and closed again however the command ends. Commands import this lazily (it
 * loads core's archive entry and cosmiconfig); the rest of core loads only with `withPipeline`.
 */
import type { openPipeline } from "@zrec/core";
import { type Backends, closeBackends, createBackends } from "@zrec/core/archive";
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
 * @example
 * const doc = await withPipeline(options, ({ backends }) => backends.index.get(id));
 */
export async function withPipeline<T>(
  options: Pick<GlobalOptions, "config" | "profile">,
  use: (pipeline: OpenedPipeline, resolved: ResolvedConfig) => Promise<T>,
  cwd: string = process.cwd(),
): Promise<T> {
  const [resolved, { openPipeline }] = await Promise.all([resolveFor(options, cwd), import("@zrec/core")]);
  const pipeline = await openPipeline(resolved.config, { baseDir: resolved.baseDir });
  try {
    return await use(pipeline, resolved);
  } finally {
    await pipeline.close();
  }
}

/**
 * {@link withPipeline} for the commands that only read or maintain the archive (`list`, `get`,
 * `rebuild-db`, `purge-old`): the backends alone, without the Zoom clients and what they load.
 * @example
 * const rows = await withBackends(options, ({ backends }) => backends.index.list({ limit: 20 }));
 */
export async function withBackends<T>(
  options: Pick<GlobalOptions, "config" | "profile">,
  use: (opened: { backends: Backends }, resolved: ResolvedConfig) => Promise<T>,
  cwd: string = process.cwd(),
): Promise<T> {
  const resolved = await resolveFor(options, cwd);
  const backends = await createBackends(resolved.config, { baseDir: resolved.baseDir });
  try {
    return await use({ backends }, resolved);
  } finally {
    await closeBackends(backends);
  }
}
