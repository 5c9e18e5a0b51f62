/**
 * `zrec serve` as one function: the configured backends, the job queue, the worker pool and the HTTP
 * receiver, started together and stopped in the order that loses nothing.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { jobQueuePath, openJobQueue } from "../adapters/factory.js";
import { requireZoomAccount } from "../config/accounts.js";
import type { Config } from "../config/types.js";
import { WEBHOOK_SECRET_KEYS, webhookSecrets } from "../config/webhook-secrets.js";
import { ConfigError, InputError, messageOf } from "../errors.js";
import { runIngestJob } from "../jobs/ingest-job.js";
import type { ClaimedJob, JobQueue } from "../jobs/types.js";
import { createWorkerPool, type WorkerPoolOptions } from "../jobs/worker-pool.js";
import type { Logger } from "../log.js";
import { openPipeline } from "../pipeline/deps.js";
import type { IngestEvent } from "../pipeline/events.js";
import { createSiteUpdater } from "../site/updater.js";
import { createWebhookReceiver } from "./receiver.js";

export interface ServeOptions {
  config: Config;
  /** Relative paths in the configuration resolve against this (the configuration file's folder). */
  baseDir: string;
  /** `zrec serve --host`, whose default (127.0.0.1: behind a reverse proxy on the same machine) is the CLI's. */
  host: string;
  /** 0 picks a free port; the `server.listening` line says which. `zrec serve --port`, default 8080. */
  port: number;
  /** Where Zoom posts: `zrec serve --path`, default `/ingest/zoom_webhook`. */
  path: string;
  /** Default `serve.concurrency`. */
  concurrency?: number;
  log: Logger;
  /** Pool timings, for tests. */
  pool?: Pick<WorkerPoolOptions, "pollMs" | "heartbeatMs" | "staleAfterMs" | "retryDelay">;
}

export interface RunningServer {
  /** `http://host:port/path`: the URL to give Zoom (through the reverse proxy). */
  url: string;
  port: number;
  queuePath: string;
  /**
   * Stops accepting requests, lets running jobs finish for `graceMs`, puts the rest back in the queue
   * and closes everything. Resolves with how many jobs were put back.
   */
  stop(graceMs: number): Promise<{ released: number }>;
}

/**
 * @throws ConfigError without any webhook secret token or a Zoom account; InputError when the port is taken.
 * @example
 * const server = await startServing({ config, baseDir, host: "127.0.0.1", port: 8080, path: "/ingest/zoom_webhook", log });
 * process.once("SIGTERM", () => server.stop(30_000));
 */
export async function startServing(options: ServeOptions): Promise<RunningServer> {
  const { config, log } = options;
  const { host, path: webhookPath } = options;
  checkConfig(config);

  const pipeline = await openPipeline(config, { baseDir: options.baseDir });
  let queue: JobQueue;
  try {
    queue = await openJobQueue(jobQueuePath(config, options.baseDir));
  } catch (error) {
    await pipeline.close().catch(() => {});
    throw error;
  }

  // Keeps the store's site current once `zrec site build` has made one.
  const site = createSiteUpdater({
    config,
    store: pipeline.backends.store,
    index: pipeline.backends.index,
    log,
  });

  const run = async (job: ClaimedJob, signal: AbortSignal) => {
    const onEvent = (event: IngestEvent) => {
      if (event.type === "warning")
        log({ level: "warn", msg: "job.warning", job: job.id, warning: event.message });
      if (event.type === "file-resumed") {
        log({ msg: "job.file.resumed", job: job.id, key: event.key, from: event.from, total: event.total });
      }
      if (event.type === "file-done") {
        log({ msg: "job.file", job: job.id, key: event.key, size: event.size, skipped: event.skipped });
      }
    };
    const result = await runIngestJob(parsePayload(job), { ...pipeline.deps, signal, onEvent });
    if (result.status === "ingested" && result.notified) site.request(`job ${job.id}`);
    return {
      status: result.status,
      reason: result.reason,
      recording_path: result.recording_path,
      files: result.files.length,
      notified: result.notified,
      trashed: result.trashed,
    };
  };
  const pool = createWorkerPool({
    queue,
    run,
    log,
    concurrency: options.concurrency ?? config.serve.concurrency,
    maxAttempts: config.serve.maxAttempts,
    ...options.pool,
    retryDelay: { baseDelayMs: config.serve.retryBaseSeconds * 1000, ...options.pool?.retryDelay },
  });

  let stopping = false;
  const server = createServer(
    createWebhookReceiver({
      path: webhookPath,
      secret: webhookSecrets(config),
      queue,
      config,
      log,
      onQueued: () => pool.wake(),
      stopping: () => stopping,
    }),
  );
  // Zoom gives up after 3 seconds; a client that trickles headers or a body is not Zoom.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  try {
    await listen(server, options.port, host);
  } catch (error) {
    queue.close();
    await pipeline.close().catch(() => {});
    throw error;
  }
  pool.start();
  // Recordings archived while the server was down (by `zrec ingest`, a sweep) reach the site now.
  site.request("start");

  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${port}${webhookPath}`;
  log({
    msg: "server.listening",
    url,
    host,
    port,
    path: webhookPath,
    queue: queue.path,
    worker: pool.worker,
  });

  return {
    url,
    port,
    queuePath: queue.path,
    async stop(graceMs) {
      stopping = true;
      log({ msg: "server.stopping", running: pool.active(), grace_ms: graceMs });
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const { released } = await pool.stop(graceMs);
      server.closeAllConnections();
      await closed;
      await site.idle();
      queue.close();
      await pipeline.close().catch((error: unknown) => {
        log({ level: "error", msg: "server.close_failed", error: messageOf(error) });
      });
      log({ msg: "server.stopped", released });
      return { released };
    },
  };
}

function checkConfig(config: Config): void {
  if (webhookSecrets(config).all.length === 0) {
    throw new ConfigError(
      "zoom.webhookSecretToken",
      `No webhook secret token is set (${WEBHOOK_SECRET_KEYS}), so zrec serve could not tell Zoom's webhooks from anyone else's.`,
      { suggestion: "Set ZOOM_WEBHOOK_SECRET_TOKEN to the Secret Token of your Zoom app." },
    );
  }
  if (Object.keys(config.zoom.accounts).length === 0) {
    throw new ConfigError(
      "zoom.accounts",
      "No Zoom account is configured, so no recording could be fetched.",
      {
        suggestion:
          "Set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, or add zoom.accounts.default.",
      },
    );
  }
  // Every account's events may arrive: each must be able to fetch them, so a missing client secret is
  // named now rather than failing each job.
  for (const name of Object.keys(config.zoom.accounts)) requireZoomAccount(config, name);
}

/** The stored body was verified JSON when it was queued; a file edited by hand since is bad input. */
function parsePayload(job: ClaimedJob): unknown {
  try {
    return JSON.parse(job.payload);
  } catch (error) {
    throw new InputError(`Job ${job.id}'s stored event is not JSON.`, { cause: error });
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const taken = error.code === "EADDRINUSE";
      reject(
        new InputError(
          taken
            ? `Port ${port} on ${host} is already in use.`
            : `zrec serve could not listen on ${host}:${port}: ${error.code ?? error.message}.`,
          { cause: error, suggestion: "Choose another --port or --host." },
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
