/**
 * The configuration and backends of the handlers that read or change the archive, built once per cold
 * start (see runtime.ts). Imports `@zrec/core/archive` only: purge-old, rebuild-db and reindex never
 * call Zoom, so their bundles hold neither the Zoom client nor the HTTP client; pipeline-runtime.ts
 * adds those.
 */
import { type Backends, type Config, createBackends } from "@zrec/core/archive";
import { checkLambdaBackends, loadHandlerConfig } from "./config.js";
import { type RuntimeOptions, startOnce } from "./runtime.js";
import type { Env } from "./secrets.js";

export interface OpenedBackends {
  config: Config;
  backends: Backends;
}

/**
 * @example
 * const opened = backendsRuntime(process.env);
 * const { backends } = await opened(); // the same backends for every event of this container
 */
export function backendsRuntime(env: Env, options: RuntimeOptions = {}): () => Promise<OpenedBackends> {
  return startOnce(async () => {
    const config = await loadHandlerConfig(env, options.secretClients);
    checkLambdaBackends(config);
    return { config, backends: await createBackends(config) };
  });
}
