/**
 * A command's run against the configured backends: configuration found and validated, pipeline opened,
 * and closed again however the command ends. Commands import this lazily (it loads core and cosmiconfig).
 */
import { openPipeline } from "@zrec/core";
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
  const resolved = await resolveFor(options, cwd);
  const pipeline = await openPipeline(resolved.config, { baseDir: resolved.baseDir });
  try {
    return await use(pipeline, resolved);
  } finally {
    await pipeline.close();
  }
}
