/**
 * The HTTP side of `zrec serve`: Zoom's webhook endpoint and `/healthz`, as a plain Node request
 * handler. It never downloads anything: a recording event is committed to the job queue and answered
 * at once, well inside the 3 seconds Zoom waits.
 *
 * Status codes follow Zoom's retry rule (it retries only after a 5xx or a transport error): 200 once
 * the job is durably queued (or was already), 500 when it could not be queued so Zoom delivers it
 * again, 4xx only for requests that must never be retried (not Zoom's, not an event, too large).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../config/types.js";
import type { WebhookSecrets } from "../config/webhook-secrets.js";
import { messageOf, WebhookRejected } from "../errors.js";
import { type Job, type JobQueue, jobIdFor } from "../jobs/types.js";
import type { Logger } from "../log.js";
import { skipReason } from "../pipeline/filters.js";
import { recordingIdFromUuid } from "../zoom/ids.js";
import { handleWebhook } from "../zoom/webhook.js";

export interface ReceiverOptions {
  /** Where Zoom posts, e.g. `/ingest/zoom_webhook`. */
  path: string;
  /** One Secret Token, or every account's (`webhookSecrets(config)`): each event needs its own account's. */
  secret: string | WebhookSecrets;
  queue: JobQueue;
  /** For the ingest filters (`ingest.minimumDurationMinutes`), applied before anything is queued. */
  config: Config;
  log: Logger;
  /** Told of each new job, so a worker can start it without waiting for the next poll. */
  onQueued?: (job: Job) => void;
  /** Larger bodies get 413. Default 1 MiB; Zoom's recording events are a few KiB. */
  maxBodyBytes?: number;
  /** True once the server is stopping: `/healthz` then answers 503 so a load balancer looks elsewhere. */
  stopping?: () => boolean;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * @example
 * const server = http.createServer(createWebhookReceiver({ path: "/ingest/zoom_webhook", secret, queue, config, log }));
 * server.listen(8080, "127.0.0.1");
 */
export function createWebhookReceiver(options: ReceiverOptions): Handler {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const { log, queue } = options;

  async function receive(request: IncomingMessage, response: ServerResponse, started: number) {
    const elapsed = () => Date.now() - started;
    const body = await readBody(request, limit);
    if (body === undefined) {
      log({ level: "warn", msg: "webhook.rejected", status: 413, reason: `body larger than ${limit} bytes` });
      return send(
        response,
        413,
        { error: `The request body is larger than ${limit} bytes.` },
        { connection: "close" },
      );
    }
    let outcome: ReturnType<typeof handleWebhook>;
    try {
      outcome = handleWebhook({ headers: request.headers, rawBody: body, secret: options.secret });
    } catch (error) {
      if (!(error instanceof WebhookRejected)) throw error;
      log({ level: "warn", msg: "webhook.rejected", status: error.status, reason: error.message });
      return send(response, error.status, { error: error.message });
    }
    if (outcome.kind === "url_validation") {
      log({ msg: "webhook.url_validation", ms: elapsed() });
      return send(response, 200, outcome.body);
    }
    if (outcome.kind === "ignored") {
      log({ msg: "webhook.ignored", event: outcome.event, ms: elapsed() });
      return send(response, 200, { status: "ignored", event: outcome.event });
    }

    const event = outcome.event;
    const recordingId = recordingIdFromUuid(event.payload.object.uuid);
    const reason = skipReason(event, options.config);
    if (reason !== undefined) {
      log({ msg: "webhook.skipped", event: event.event, recording_id: recordingId, reason, ms: elapsed() });
      return send(response, 200, { status: "skipped", recording_id: recordingId, reason });
    }
    let queued: { job: Job; created: boolean };
    try {
      queued = queue.enqueue({
        id: jobIdFor(event, body),
        recording_id: recordingId,
        event: event.event,
        topic: event.payload.object.topic,
        payload: body.toString("utf8"),
      });
    } catch (error) {
      log({ level: "error", msg: "webhook.not_queued", recording_id: recordingId, error: messageOf(error) });
      return send(response, 500, { error: "The event could not be queued; Zoom will deliver it again." });
    }
    const status = queued.created ? "queued" : "duplicate";
    const { job } = queued;
    log({
      msg: `webhook.${status}`,
      event: event.event,
      recording_id: recordingId,
      job: job.id,
      state: job.state,
      ms: elapsed(),
    });
    send(response, 200, { status, job: job.id, recording_id: recordingId });
    if (queued.created) options.onQueued?.(job);
  }

  function health(response: ServerResponse) {
    if (options.stopping?.()) return send(response, 503, { ok: false, stopping: true });
    try {
      return send(response, 200, { ok: true, db: "ok", jobs: queue.counts() });
    } catch (error) {
      log({ level: "error", msg: "health.failed", error: messageOf(error) });
      return send(response, 503, { ok: false, db: messageOf(error) });
    }
  }

  function route(request: IncomingMessage, response: ServerResponse, started: number) {
    const pathname = pathOf(request.url);
    if (pathname === undefined) {
      log({ level: "warn", msg: "request.rejected", status: 400, reason: "unreadable request target" });
      return send(
        response,
        400,
        { error: "The request target is not a readable URL." },
        { connection: "close" },
      );
    }
    const method = request.method ?? "GET";
    if (pathname === "/healthz" && (method === "GET" || method === "HEAD")) return health(response);
    if (pathname !== options.path) return send(response, 404, { error: "Not found." });
    if (method !== "POST") return send(response, 405, { error: "Use POST." }, { allow: "POST" });
    receive(request, response, started).catch((error: unknown) => failed(response, error));
  }

  function failed(response: ServerResponse, error: unknown) {
    // Whatever went wrong, Zoom must hear a 5xx so that it delivers the event again.
    log({ level: "error", msg: "webhook.error", error: messageOf(error) });
    if (!response.headersSent) send(response, 500, { error: "The event could not be handled." });
    else response.destroy();
  }

  // A throw out of a request listener ends the process: nothing a request does may get that far.
  return (request, response) => {
    try {
      route(request, response, Date.now());
    } catch (error) {
      failed(response, error);
    }
  };
}

/** The path of a request target, or undefined when the WHATWG parser cannot read it (`http://[`). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? "/", "http://zrec.invalid").pathname;
  } catch {
    return undefined;
  }
}

/** The raw body, or undefined once it is over `limit` (nothing more is kept). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(request.headers["content-length"] ?? 0) > limit) {
    request.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the answer is given at once; the rest of the body is read and dropped.
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        chunks.length = 0;
        resolve(undefined);
      }
    });
    request.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  response.end(response.req.method === "HEAD" ? undefined : text);
}
