/**
 * Property-based tests (fast-check) of the Lambda webhook handler over API Gateway events an attacker on
 * the internet can make: any headers, any body, base64 or not. Core's verifier has its own properties
 * (packages/core/test/faults/webhook-properties.test.ts); these check what the handler adds around it:
 * decoding the body, the status it answers, and that nothing reaches Step Functions unless signed.
 * - unsigned, wrongly signed or tampered (one bit of the decoded body, base64 or not): 401, no execution;
 * - correctly signed garbage (any JSON, a real event with a field replaced by anything): never a 5xx
 *   (Zoom would retry it for days), never a 401, and an execution only for a usable recording event;
 * - no answer quotes the secret.
 * Step Functions is a local HTTP server behind the real SDK client, counting StartExecution calls; the
 * bucket the webhook keeps download tokens in is s3rver.
 */

import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SFNClient } from "@aws-sdk/client-sfn";
import { Figures } from "@zrec/test-utils/faults/figures";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { REAL_EVENT_FILE } from "@zrec/zoom-sim";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "../../src/handlers/webhook.js";
import { FAKE_AWS_ENV } from "../support/fake-aws.js";
import { httpApiEvent, lambdaContext } from "../support/lambda.js";

const SECRET = "whsec-lambda-property-secret";
const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:zrec-ingest";
const BUCKET = "zrec-webhook-properties";
const fixture = REAL_EVENT_FILE;
const runs = (normal: number) => (Number(process.env.ZREC_FAULT_RUNS ?? "") > 0 ? normal * 20 : normal);
const figures = new Figures("lambda-webhook-properties");

let server: Server;
let sfn: SFNClient;
let handler: ReturnType<typeof createHandler>;
let event: Record<string, unknown>;
let executions = 0;
let s3: RunningS3rver;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  event = JSON.parse(await readFile(fixture, "utf8"));
  s3 = await startS3rver();
  await s3.createBucket(BUCKET);
  savedEnv = { ...process.env };
  Object.assign(process.env, s3.env);
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      executions += 1;
      response.setHeader("content-type", "application/x-amz-json-1.0");
      response.end(JSON.stringify({ executionArn: `${STATE_MACHINE}:e${executions}`, startDate: 1.7e9 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  sfn = new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: FAKE_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: FAKE_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: "test" },
    maxAttempts: 1,
  });
  handler = createHandler(
    {
      ZOOM_WEBHOOK_SECRET_TOKEN: SECRET,
      ZREC_STATE_MACHINE_ARN: STATE_MACHINE,
      ZREC_CONFIG: JSON.stringify({ storage: s3.storageConfig(BUCKET) }),
    },
    { sfn },
  );
  // The handlers' JSON lines (log.ts), kept out of the test output.
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterAll(async () => {
  sfn?.destroy();
  await new Promise((resolve) => server?.close(resolve));
  await s3?.close();
  process.env = savedEnv;
  vi.restoreAllMocks();
  await figures.write();
});
beforeEach(() => {
  executions = 0;
});

function signature(body: Buffer, timestamp: string, secret = SECRET) {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`;
}

/**
 * An API Gateway event carrying `body`, signed (or given `headers`), base64 or not. A body API Gateway
 * passes as text is a string: bytes that are not UTF-8 reach the handler as U+FFFD, so that is signed.
 */
function request(bytes: Buffer, options: { base64: boolean; headers?: Record<string, string> }) {
  const body = options.base64 ? bytes : Buffer.from(bytes.toString("utf8"), "utf8");
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = options.headers ?? {
    "x-zm-request-timestamp": timestamp,
    "x-zm-signature": signature(body, timestamp),
  };
  return httpApiEvent({
    headers: { "content-type": "application/json", ...headers },
    body,
    base64: options.base64,
  });
}

async function answer(apiEvent: ReturnType<typeof httpApiEvent>) {
  const result = await handler(apiEvent, lambdaContext());
  expect(result.body ?? "").not.toContain(SECRET);
  figures.add("badInputs");
  figures.addKind("answers", String(result.statusCode));
  return result.statusCode ?? 0;
}

// Header values an attacker picks: near-misses of Zoom's headers as well as noise.
const headerValue = fc.oneof(
  fc.string(),
  fc.stringMatching(/^v0=[0-9a-f]{64}$/),
  fc.integer({ min: 0, max: 2 ** 40 }).map(String),
  fc.constant(String(Math.floor(Date.now() / 1000))),
);
const headers = fc.dictionary(
  fc.oneof(fc.constantFrom("x-zm-signature", "x-zm-request-timestamp", "X-Zm-Signature"), fc.string()),
  headerValue,
  { maxKeys: 6 },
);
const bodyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  fc.json().map((text) => Buffer.from(text)),
  fc.constant(Buffer.alloc(0)),
);

describe("the Lambda webhook handler under property-based input", () => {
  it("answers anything unsigned with 401 and starts nothing", async () => {
    await fc.assert(
      fc.asyncProperty(bodyBytes, headers, fc.boolean(), async (body, sent, base64) => {
        const status = await answer(request(body, { base64, headers: sent }));
        expect(status).toBe(401);
        expect(executions).toBe(0);
      }),
      { numRuns: runs(300) },
    );
  });

  it("refuses a real event with one bit flipped after signing, base64 or not", async () => {
    const original = Buffer.from(JSON.stringify(event));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: original.length * 8 - 1 }), fc.boolean(), async (bit, base64) => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const sent = {
          "x-zm-request-timestamp": timestamp,
          "x-zm-signature": signature(original, timestamp),
        };
        const tampered = Buffer.from(original);
        tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(await answer(request(tampered, { base64, headers: sent }))).toBe(401);
        expect(executions).toBe(0);
      }),
      { numRuns: runs(200) },
    );
  });

  it("answers correctly signed garbage without a 5xx or a 401, starting nothing", async () => {
    await fc.assert(
      fc.asyncProperty(bodyBytes, fc.boolean(), async (body, base64) => {
        const status = await answer(request(body, { base64 }));
        expect([200, 400, 413]).toContain(status);
        expect(executions).toBe(0);
      }),
      { numRuns: runs(300) },
    );
  });

  it("answers a signed real event with any field replaced without a 5xx; only a usable one starts", async () => {
    const paths: string[][] = [
      ["event"],
      ["event_ts"],
      ["download_token"],
      ["payload"],
      ["payload", "object"],
      ["payload", "object", "uuid"],
      ["payload", "object", "id"],
      ["payload", "object", "topic"],
      ["payload", "object", "duration"],
      ["payload", "object", "start_time"],
      ["payload", "object", "recording_files"],
    ];
    let started = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.anything(),
        fc.boolean(),
        async (path, value, base64) => {
          const changed = structuredClone(event);
          let at = changed as Record<string, unknown>;
          for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
          at[path[path.length - 1] as string] = value;
          const before = executions;
          const status = await answer(request(Buffer.from(JSON.stringify(changed)), { base64 }));
          expect([200, 400, 413]).toContain(status);
          if (status !== 200) expect(executions).toBe(before);
          if (executions > before) started += 1;
        },
      ),
      { numRuns: runs(300) },
    );
    // Replacing a field by something harmless (another topic, say) leaves an event that is ingested.
    expect(started).toBeGreaterThan(0);
    figures.add("signedVariantsStarted", started);
  });
});
