/** Lambda's side of a test: a context, and events shaped exactly as API Gateway sends them. */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { LambdaContext } from "../../src/handler.js";

export function lambdaContext(remainingMs = 900_000): LambdaContext {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() };
}

/**
 * An HTTP API (payload format 2.0) event for `POST /ingest/zoom_webhook`, as API Gateway builds it:
 * header names lower-cased, the body a string, base64 when API Gateway took it for binary.
 */
export function httpApiEvent(options: {
  headers: Record<string, string>;
  body: string | Buffer;
  base64?: boolean;
}): APIGatewayProxyEventV2 {
  const now = new Date();
  const bytes = typeof options.body === "string" ? Buffer.from(options.body, "utf8") : options.body;
  const base64 = options.base64 ?? false;
  return {
    version: "2.0",
    routeKey: "POST /ingest/zoom_webhook",
    rawPath: "/ingest/zoom_webhook",
    rawQueryString: "",
    headers: {
      accept: "*/*",
      "content-length": String(bytes.length),
      host: "abc123.execute-api.us-east-1.amazonaws.com",
      "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
      "x-forwarded-for": "170.114.52.2",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
      ...Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k.toLowerCase(), v])),
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: {
        method: "POST",
        path: "/ingest/zoom_webhook",
        protocol: "HTTP/1.1",
        sourceIp: "170.114.52.2",
        userAgent: options.headers["user-agent"] ?? "Zoom Marketplace/1.0a",
      },
      requestId: "JKJaXmPLvHcESHA=",
      routeKey: "POST /ingest/zoom_webhook",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: base64 ? bytes.toString("base64") : bytes.toString("utf8"),
    isBase64Encoded: base64,
  };
}
