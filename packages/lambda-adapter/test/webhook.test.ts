/**
 * The webhook handler with API Gateway HTTP API (payload 2.0) events as API Gateway builds them, and
 * Step Functions and SSM answered at the HTTP level (nock) behind the real SDK clients, which find
 * them through AWS_ENDPOINT_URL_SFN and AWS_ENDPOINT_URL_SSM.
 */

import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createStore, signWebhook } from "@zrec/core";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { REAL_EVENT_FILE } from "@zrec/zoom-sim";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { TOKEN_PREFIX } from "../src/download-token.js";
import { executionName } from "../src/execution.js";
import { createHandler } from "../src/handlers/webhook.js";
import { executionAlreadyExists, FAKE_AWS_ENV, fakeAws, serviceUnavailable } from "./support/fake-aws.js";
import { httpApiEvent, lambdaContext } from "./support/lambda.js";

const SFN = "http://sfn.zrec.test";
const SSM = "http://ssm.zrec.test";
const SECRET = "webhook-secret-token";
const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:zrec-ingest";
const BUCKET = "zrec-webhook";
/** The archive bucket (s3rver), where the webhook keeps each event's download token. */
let storage: ReturnType<RunningS3rver["storageConfig"]>;
let ENV: Record<string, string>;
const withStorage = (env: Record<string, string>, config: Record<string, unknown> = {}) => ({
  ...env,
  ZREC_CONFIG: JSON.stringify({ ...config, storage }),
});
let s3: RunningS3rver;

const fixture = REAL_EVENT_FILE;
let event: Record<string, unknown>;

function signed(
  body: object | string,
  options: { timestamp?: number; secret?: string; base64?: boolean } = {},
) {
  const rawBody = typeof body === "string" ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers = signWebhook(rawBody, options.secret ?? SECRET, timestamp);
  return httpApiEvent({
    headers: {
      ...headers,
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Zoom Marketplace/1.0a",
    },
    body: rawBody,
    ...(options.base64 !== undefined ? { base64: options.base64 } : {}),
  });
}

const started = (request: { body: Record<string, unknown> }): [number, object] => [
  200,
  {
    executionArn: `${STATE_MACHINE.replace("stateMachine", "execution")}:${request.body.name}`,
    startDate: 1.7e9,
  },
];
const bodyOf = (result: Pick<APIGatewayProxyStructuredResultV2, "body">) =>
  JSON.parse(result.body ?? "{}") as Record<string, unknown>;

describe("webhook handler", () => {
  let savedEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    event = JSON.parse(await readFile(fixture, "utf8"));
    savedEnv = { ...process.env };
    s3 = await startS3rver();
    await s3.createBucket(BUCKET);
    storage = s3.storageConfig(BUCKET, "archive");
    ENV = withStorage({ ZOOM_WEBHOOK_SECRET_TOKEN: SECRET, ZREC_STATE_MACHINE_ARN: STATE_MACHINE });
    // s3rver's credentials: SFN and SSM (nock) take any.
    Object.assign(process.env, FAKE_AWS_ENV, s3.env, {
      AWS_ENDPOINT_URL_SFN: SFN,
      AWS_ENDPOINT_URL_SSM: SSM,
    });
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    // The handlers' JSON lines (log.ts), kept out of the test output.
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    vi.restoreAllMocks();
    process.env = savedEnv;
    await s3?.close();
  });

  it("starts the ingest execution for a signed recording event and answers 200", async () => {
    const requests = fakeAws(SFN, started);
    const result = await createHandler(ENV)(signed(event), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ status: "started", execution_name: requests[0]?.body.name });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.target).toBe("AWSStepFunctions.StartExecution");
    expect(requests[0]?.body.stateMachineArn).toBe(STATE_MACHINE);
    // The execution's input is the event without its download token, which is kept in the bucket
    // under the execution's name: the input names it, Step Functions' history never holds it.
    const name = String(requests[0]?.body.name);
    expect(name).toMatch(/^[0-9a-f-]{36}-completed-[0-9a-f]{12}$/);
    const { download_token: token, ...rest } = event;
    expect(typeof token).toBe("string");
    expect(JSON.parse(String(requests[0]?.body.input))).toEqual({ ...rest, download_token_ref: name });
    expect(String(requests[0]?.body.input)).not.toContain(String(token));
    const store = await createStore(storage);
    const stored = await store.get(`${TOKEN_PREFIX}${name}`).finally(() => store.close?.());
    expect(Buffer.from(stored ?? []).toString("utf8")).toBe(token);
  });

  it("starts an event without a download token with no reference and stores nothing", async () => {
    const { download_token: _token, ...withoutToken } = event;
    const requests = fakeAws(SFN, started);
    const result = await createHandler(ENV)(signed({ ...withoutToken, event_ts: 2 }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(requests[0]?.body.input))).toEqual({ ...withoutToken, event_ts: 2 });
    const name = String(requests[0]?.body.name);
    const store = await createStore(storage);
    expect(await store.head(`${TOKEN_PREFIX}${name}`).finally(() => store.close?.())).toBeUndefined();
  });

  it("answers 5xx and starts nothing when the token cannot be stored", async () => {
    const missing = {
      ...ENV,
      ZREC_CONFIG: JSON.stringify({ storage: { ...storage, bucket: "no-such-bucket" } }),
    };
    const result = await createHandler(missing)(signed(event));
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result).error).toMatch(/could not be started/);
  });

  it("refuses a body over 1 MiB with 413 before verifying it or starting anything", async () => {
    const big = { ...event, padding: "x".repeat(1024 * 1024) };
    const result = await createHandler(ENV)(signed(big));
    expect(result.statusCode).toBe(413);
    expect(bodyOf(result).error).toMatch(/1048576 bytes/);
    const base64 = await createHandler(ENV)(signed(big, { base64: true }));
    expect(base64.statusCode).toBe(413);
  });

  it("verifies a base64-encoded body over its decoded bytes", async () => {
    const withAccents = {
      ...event,
      payload: { ...(event.payload as object), note: "Café Über Straße — 🎥" },
    };
    const requests = fakeAws(SFN, started);
    const result = await createHandler(ENV)(signed(withAccents, { base64: true }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(requests[0]?.body.input)).payload).toEqual(withAccents.payload);
  });

  it("answers a re-delivered event with 200 without starting a second ingest", async () => {
    const handler = createHandler(ENV);
    const first = fakeAws(SFN, started);
    expect((await handler(signed(event))).statusCode).toBe(200);
    // Zoom re-sends the same body, signed anew; Step Functions knows the name.
    const again = fakeAws(SFN, (request) => executionAlreadyExists(String(request.body.name)));
    const result = await handler(signed(event, { timestamp: Math.floor(Date.now() / 1000) + 1 }));

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ status: "already-started" });
    expect(again[0]?.body.name).toBe(first[0]?.body.name);
    expect(again[0]?.body.name).toBe(executionName(event as never, { kind: "webhook" }));
  });

  it("refuses a bad signature, a missing one and a stale timestamp with 401, starting nothing", async () => {
    const handler = createHandler(ENV);
    const forged = await handler(signed(event, { secret: "not-the-secret" }));
    expect(forged.statusCode).toBe(401);
    expect(bodyOf(forged).error).toMatch(/x-zm-signature does not match/);
    expect(forged.body).not.toContain(SECRET);

    const unsigned = httpApiEvent({
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
    });
    expect((await handler(unsigned)).statusCode).toBe(401);

    const stale = await handler(signed(event, { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 }));
    expect(stale.statusCode).toBe(401);
    expect(bodyOf(stale).error).toMatch(/more than the 5 minutes/);

    const tampered = signed(event);
    tampered.body = (tampered.body ?? "").replace("recording.completed", "recording.transcript_completed");
    expect((await handler(tampered)).statusCode).toBe(401);
  });

  it("answers 200 skipped, starting nothing, for a meeting the ingest filters leave out", async () => {
    // The fixture's meeting lasted 2 minutes; with no SFN mock, any StartExecution would fail as 5xx.
    const filtered = withStorage(ENV, { ingest: { minimumDurationMinutes: 5 } });
    const result = await createHandler(filtered)(signed(event));
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ status: "skipped" });
    expect(String(bodyOf(result).reason)).toMatch(/minimumDurationMinutes/);
  });

  it("answers endpoint.url_validation with the HMAC of the plain token", async () => {
    const plainToken = "qgg8vlvZRS6UYooatFL8Aw";
    const result = await createHandler(ENV)(
      signed({ payload: { plainToken }, event_ts: Date.now(), event: "endpoint.url_validation" }),
    );
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      plainToken,
      encryptedToken: createHmac("sha256", SECRET).update(plainToken).digest("hex"),
    });
  });

  it("answers 200 to other events and 400 to a signed body that is not an event", async () => {
    const handler = createHandler(ENV);
    const other = await handler(signed({ event: "meeting.started", payload: {} }));
    expect(other.statusCode).toBe(200);
    expect(bodyOf(other)).toEqual({ status: "ignored", event: "meeting.started" });
    expect((await handler(signed("not json"))).statusCode).toBe(400);
  });

  it("answers 5xx when Step Functions is unavailable, so that Zoom delivers again", async () => {
    // The SDK's own retries (3 tries) all meet a 503.
    const requests = fakeAws(SFN, serviceUnavailable, { times: 3 });
    const result = await createHandler(ENV)(signed(event));
    expect(result.statusCode).toBe(503);
    expect(requests).toHaveLength(3);
    expect(bodyOf(result).error).toMatch(/could not be started/);
  });

  it("answers 5xx within Zoom's 3 seconds when Step Functions does not answer", async () => {
    fakeAws(SFN, started, { delayMs: 10_000 });
    const began = Date.now();
    const result = await createHandler(ENV)(signed(event));
    expect(result.statusCode).toBe(503);
    expect(Date.now() - began).toBeLessThan(3_000);
    nock.abortPendingRequests();
  });

  it("answers 5xx within Zoom's 3 seconds when the bucket does not answer, starting nothing", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const hanging = {
      ...ENV,
      ZREC_CONFIG: JSON.stringify({ storage: { ...storage, endpoint: `http://127.0.0.1:${port}` } }),
    };
    const requests = fakeAws(SFN, started);
    const began = Date.now();
    const result = await createHandler(hanging)(signed(event)).finally(() => {
      silent.closeAllConnections();
      silent.close();
    });
    expect(result.statusCode).toBe(503);
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(requests).toHaveLength(0);
    nock.cleanAll();
  });

  it("answers 500 when no state machine is configured", async () => {
    const result = await createHandler({ ZOOM_WEBHOOK_SECRET_TOKEN: SECRET })(signed(event));
    expect(result.statusCode).toBe(500);
  });

  it("reads the webhook secret from SSM once per cold start", async () => {
    const ssm = fakeAws(SSM, (request) => [
      200,
      {
        Parameters: [
          { Name: (request.body.Names as string[])[0], Type: "SecureString", Value: SECRET, Version: 1 },
        ],
        InvalidParameters: [],
      },
    ]);
    fakeAws(SFN, started, { times: 2 });
    const handler = createHandler(
      withStorage({
        ZOOM_WEBHOOK_SECRET_TOKEN_PARAMETER: "/zrec/zoom/webhook-secret-token",
        ZREC_STATE_MACHINE_ARN: STATE_MACHINE,
      }),
    );
    expect((await handler(signed(event))).statusCode).toBe(200);
    expect((await handler(signed({ ...event, event_ts: 1 }))).statusCode).toBe(200);
    expect(ssm).toHaveLength(1);
    expect(ssm[0]).toMatchObject({
      target: "AmazonSSM.GetParameters",
      body: { Names: ["/zrec/zoom/webhook-secret-token"], WithDecryption: true },
    });
  });

  describe("with two Zoom accounts, each app with its own secret token", () => {
    const ACCOUNTS = { a: { id: "acct-a", secret: "secret-a" }, b: { id: "acct-b", secret: "secret-b" } };
    const ssmValues: Record<string, string> = {};
    for (const [name, { id, secret }] of Object.entries(ACCOUNTS)) {
      ssmValues[`/zrec/zoom/accounts/${name}/account-id`] = id;
      ssmValues[`/zrec/zoom/accounts/${name}/client-id`] = `${name}-client`;
      ssmValues[`/zrec/zoom/accounts/${name}/client-secret`] = `${name}-client-secret`;
      ssmValues[`/zrec/zoom/accounts/${name}/webhook-secret-token`] = secret;
    }
    const accountHandler = () => {
      fakeAws(SSM, (request) => {
        const names = request.body.Names as string[];
        const Parameters = names
          .filter((Name) => Name in ssmValues)
          .map((Name) => ({ Name, Type: "SecureString", Value: ssmValues[Name] }));
        return [200, { Parameters, InvalidParameters: names.filter((n) => !(n in ssmValues)) }];
      });
      return createHandler(
        withStorage({
          ZOOM_ACCOUNTS: "a,b",
          ZOOM_ACCOUNTS_PARAMETER_PATH: "/zrec/zoom/accounts",
          ZREC_STATE_MACHINE_ARN: STATE_MACHINE,
        }),
      );
    };
    const eventOf = (accountId: string) => {
      const payload = event.payload as Record<string, unknown>;
      return { ...event, event_ts: Date.now(), payload: { ...payload, account_id: accountId } };
    };

    it("answers each app's url_validation with that app's secret", async () => {
      const handler = accountHandler();
      for (const { secret } of Object.values(ACCOUNTS)) {
        const body = { event: "endpoint.url_validation", event_ts: 1, payload: { plainToken: "plain" } };
        const result = await handler(signed(body, { secret }));
        expect(result.statusCode).toBe(200);
        expect(bodyOf(result).encryptedToken).toBe(
          createHmac("sha256", secret).update("plain").digest("hex"),
        );
      }
    });

    it("accepts each account's events and refuses one signed with the other account's secret", async () => {
      const handler = accountHandler();
      const requests = fakeAws(SFN, started, { times: 2 });
      expect((await handler(signed(eventOf("acct-a"), { secret: "secret-a" }))).statusCode).toBe(200);
      expect((await handler(signed(eventOf("acct-b"), { secret: "secret-b" }))).statusCode).toBe(200);
      const crossed = await handler(signed(eventOf("acct-b"), { secret: "secret-a" }));
      expect(crossed.statusCode).toBe(401);
      expect(String(bodyOf(crossed).error)).toMatch(
        /not signed with the secret token of Zoom account "acct-b"/,
      );
      expect(requests).toHaveLength(2);
    });
  });
});
