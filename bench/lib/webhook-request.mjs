/** The request API Gateway (HTTP API, payload 2.0) hands the webhook handler for a body Zoom signed. */
import { createHmac } from "node:crypto";

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
