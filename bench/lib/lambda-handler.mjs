/** Running a built Lambda handler in a benchmark: importing it, timed, and the webhook's requests. */
import { createHmac } from "node:crypto";
import { pathToFileURL } from "node:url";

/**
 * Imports the handler file, timed, with stdout silenced (the handlers log there) until `restore()`.
 * @example
 * const { handler, importMs, restore } = await importHandler(file);
 */
export async function importHandler(file) {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  const started = performance.now();
  const { handler } = await import(pathToFileURL(file).href);
  const importMs = performance.now() - started;
  const restore = () => {
    process.stdout.write = write;
  };
  return { handler, importMs, restore };
}

/** The request API Gateway (HTTP API, payload 2.0) hands the webhook handler for a body Zoom signed. */
/**
 * @example
 * const response = await handler(webhookRequest(JSON.stringify(event), secret), context);
 */
export function webhookRequest(rawBody, secret) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
  return {
    version: "2.0",
    routeKey: "POST /ingest/zoom_webhook",
    rawPath: "/ingest/zoom_webhook",
    rawQueryString: "",
    headers: {
      "content-type": "application/json",
      "x-zm-request-timestamp": timestamp,
      "x-zm-signature": signature,
    },
    requestContext: {
      http: { method: "POST", path: "/ingest/zoom_webhook" },
      requestId: "bench",
      timeEpoch: Date.now(),
    },
    body: Buffer.from(rawBody).toString("base64"),
    isBase64Encoded: true,
  };
}
