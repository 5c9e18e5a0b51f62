/** What every stage needs: configuration, the three backends, Zoom clients, and a place to report. */
import type { Dispatcher } from "undici";
import { closeBackends, createBackends } from "../adapters/factory.js";
import { requireZoomAccount } from "../config/index.js";
import type { Config } from "../config/types.js";
import type { Backends } from "../ports.js";
import type { RetryPolicy } from "../retry.js";
import { createZoomClient, type ZoomClient } from "../zoom/api.js";
import type { IngestEvent } from "./events.js";

export interface PipelineDeps {
  config: Config;
  backends: Backends;
  /** The REST client of a configured Zoom account, by its name in `zoom.accounts`. */
  zoom: (accountName: string) => ZoomClient;
  /** Keep-alive pool for downloads; undici's global one when absent. */
  dispatcher?: Dispatcher;
  onEvent?: (event: IngestEvent) => void;
  /**
   * Timing of the ranged copies, for tests and benchmarks that cannot wait out the defaults: the idle
   * timeout (default 30 s without a byte) and the retry policy of each request (default
   * `defaultRetryPolicy`). Not configuration: an operator has no reason to change them.
   */
  transfer?: { idleTimeoutMs?: number; retry?: Partial<RetryPolicy> };
  signal?: AbortSignal;
  /**
   * When a stage that can stop half-way and be called again (retrieve-recording on Lambda) must return:
   * epoch ms. Its copy stops starting parts then (or after `ingest.stageTimeBudgetSeconds`, whichever
   * comes first) and returns its checkpoint instead of the stored file. Absent: no budget.
   */
  stageDeadline?: number;
  now?: () => Date;
}

/** One client per account, made on first use, so its token cache is shared by every stage. */
export function zoomClientsFor(config: Config): (accountName: string) => ZoomClient {
  const clients = new Map<string, ZoomClient>();
  return (name) => {
    let client = clients.get(name);
    if (!client) {
      const { account } = requireZoomAccount(config, name);
      client = createZoomClient({
        account,
        apiBaseUrl: config.zoom.apiBaseUrl,
        oauthUrl: config.zoom.oauthUrl,
        maxRequestsPerSecond: config.zoom.maxRequestsPerSecond,
      });
      clients.set(name, client);
    }
    return client;
  };
}

/**
 * Opens the configured backends and returns the deps the stages take, plus `close()` to release them.
 * @example
 * const pipeline = await openPipeline(loadConfig(raw));
 * try { await runIngest(event, pipeline.deps); } finally { await pipeline.close(); }
 */
export async function openPipeline(
  config: Config,
  options: { baseDir?: string } = {},
): Promise<{ deps: PipelineDeps; backends: Backends; close(): Promise<void> }> {
  const backends = await createBackends(config, options);
  const deps: PipelineDeps = { config, backends, zoom: zoomClientsFor(config) };
  return {
    deps,
    backends,
    close: () => closeBackends(backends),
  };
}
