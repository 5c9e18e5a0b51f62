/**
 * Zoom's webhook, behind an API Gateway HTTP API (payload format 2.0). Zoom waits 3 seconds and retries
 * only after a 5xx, so: verify, answer url_validation, start the ingest execution and answer 200 as
 * soon as it is started (or was already, for a re-delivery); 5xx when it could not be started; 4xx
 * only for requests that must never be retried. Nothing is downloaded here.
 */
import {
  handleWebhook,
  messageOf,
  recordingIdFromUuid,
  skipReason,
  WebhookRejected,
  webhookSecrets,
} from "@zrec/core/webhook";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ExecutionNotStarted, executionStarter } from "../execution.js";
import type { LambdaContext } from "../handler.js";
import { createLog } from "../log.js";
import { configRuntime, type HandlerOptions, tokenStoreRuntime } from "../runtime.js";
import type { Env } from "../secrets.js";

/** StartExecution's share of Zoom's 3 seconds, leaving room for verification and a cold start's slack. */
const START_TIMEOUT_MS = 2_000;
/** The same 1 MiB cap as `zrec serve`'s receiver. */
const MAX_BODY_BYTES = 1024 * 1024;

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const config = configRuntime(env, options);
  const start = executionStarter(env, {
    timeoutMs: START_TIMEOUT_MS,
    tokens: tokenStoreRuntime(config),
    ...(options.sfn ? { client: options.sfn } : {}),
  });
  const now = options.now ?? (() => new Date());

  return async (
    request: APIGatewayProxyEventV2,
    context?: LambdaContext,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const log = createLog("webhook", context?.awsRequestId);
    try {
      const loaded = await config();
      // The signature covers the bytes Zoom sent; API Gateway base64-encodes bodies it deems binary.
      const rawBody = Buffer.from(request.body ?? "", request.isBase64Encoded ? "base64" : "utf8");
      // As `zrec serve`: Zoom's recording events are a few KiB; a larger body is not parsed at all.
      if (rawBody.length > MAX_BODY_BYTES) {
        log("warn", "webhook.rejected", { status: 413, reason: `body larger than ${MAX_BODY_BYTES} bytes` });
        return json(413, { error: `The request body is larger than ${MAX_BODY_BYTES} bytes.` });
      }
      const outcome = handleWebhook({
        headers: request.headers ?? {},
        rawBody,
        // Each event must carry the signature of its own account's app (zoom.accounts.NAME.webhookSecretToken).
        secret: webhookSecrets(loaded),
        now: now(),
      });
      // The same lines, with the same fields, as `zrec serve`'s receiver writes for the same outcomes.
      if (outcome.kind === "url_validation") {
        log("info", "webhook.url_validation");
        return json(200, outcome.body);
      }
      if (outcome.kind === "ignored") {
        log("info", "webhook.ignored", { event: outcome.event });
        return json(200, { status: "ignored", event: outcome.event });
      }
      const { event } = outcome;
      // Filtered here so a short meeting costs no execution; ingest-metadata applies the same filters.
      const reason = skipReason(event, loaded);
      if (reason !== undefined) {
        const recordingId = recordingIdFromUuid(event.payload.object.uuid);
        log("info", "webhook.skipped", { event: event.event, recording_id: recordingId, reason });
        return json(200, { status: "skipped", reason });
      }
      const started = await start(event, { kind: "webhook" });
      const what = started.status === "started" ? "webhook.started" : "webhook.already_started";
      log("info", what, { event: event.event, ...started });
      return json(200, started);
    } catch (error) {
      if (error instanceof WebhookRejected) {
        log("warn", "webhook.rejected", { status: error.status, reason: error.message });
        return json(error.status, { error: error.message });
      }
      const errorType = error instanceof Error ? error.name : typeof error;
      const msg = error instanceof ExecutionNotStarted ? "webhook.not_started" : "webhook.error";
      log("error", msg, { error: messageOf(error), error_type: errorType });
      // Zoom retries a 5xx after 5, 20 and 60 minutes: by then Step Functions (or the config) may be back.
      return error instanceof ExecutionNotStarted
        ? json(503, { error: "The ingest could not be started; Zoom will deliver the event again." })
        : json(500, { error: "The webhook could not be handled; Zoom will deliver the event again." });
    }
  };
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export const handler = createHandler();
