import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteJobQueue } from "../adapters/sqlite-job-queue.js";
import { loadConfig } from "../config/load.js";
import type { Job, JobQueue } from "../jobs/types.js";
import type { LogEntry } from "../log.js";
import { signWebhook } from "../zoom/webhook.js";
import { createWebhookReceiver, type ReceiverOptions } from "./receiver.js";

const SECRET = "whsec-test-secret-123";
const TOKEN = "download-token-that-must-not-leak";
const PATH = "/ingest/zoom_webhook";

const recordingEvent = (overrides: Record<string, unknown> = {}) => ({
  event: "recording.completed",
  event_ts: 1_720_113_750_123,
  download_token: TOKEN,
  payload: {
    account_id: "acct",
    object: {
      uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
      id: 81234567890,
      topic: "FOLIO weekly",
      duration: 30,
      recording_files: [],
    },
  },
  ...overrides,
});

let server: Server;
let base: string;
let queue: JobQueue;
let logs: LogEntry[];
let queued: Job[];
let stopping: boolean;

async function start(overrides: Partial<ReceiverOptions> = {}) {
  server = createServer(
    createWebhookReceiver({
      path: PATH,
      secret: SECRET,
      queue,
      config: loadConfig({ ingest: { minimumDurationMinutes: 10 } }, { env: {} }),
      log: (entry) => logs.push(entry),
      onQueued: (job) => queued.push(job),
      stopping: () => stopping,
      ...overrides,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeEach(async () => {
  queue = createSqliteJobQueue({ path: ":memory:" });
  logs = [];
  queued = [];
  stopping = false;
  await start();
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  queue.close();
});

async function post(body: unknown, options: { timestamp?: number; secret?: string; path?: string } = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers = signWebhook(
    raw,
    options.secret ?? SECRET,
    options.timestamp ?? Math.floor(Date.now() / 1000),
  );
  const response = await fetch(`${base}${options.path ?? PATH}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the webhook receiver", () => {
  it("answers Zoom's URL validation", async () => {
    const answer = await post({ event: "endpoint.url_validation", payload: { plainToken: "plain-1" } });
    expect(answer).toEqual({
      status: 200,
      body: {
        plainToken: "plain-1",
        encryptedToken: createHmac("sha256", SECRET).update("plain-1").digest("hex"),
      },
    });
  });

  it("refuses unsigned, wrongly signed and stale requests with 401, and non-events with 400", async () => {
    const unsigned = await fetch(`${base}${PATH}`, {
      method: "POST",
      body: JSON.stringify(recordingEvent()),
    });
    expect(unsigned.status).toBe(401);
    expect((await post(recordingEvent(), { secret: "not-the-secret" })).status).toBe(401);
    const stale = await post(recordingEvent(), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(stale.body.error).toMatch(/more than the 5 minutes/);
    expect((await post("not json")).status).toBe(400);
    expect((await post({ event: "recording.completed", payload: {} })).status).toBe(400);
    expect(queue.list()).toEqual([]);
    expect(logs.filter((l) => l.msg === "webhook.rejected").map((l) => l.status)).toEqual([
      401, 401, 401, 400, 400,
    ]);
  });

  it("queues a recording event durably and answers at once; the same event again is a duplicate", async () => {
    const first = await post(recordingEvent());
    expect(first).toEqual({
      status: 200,
      body: {
        status: "queued",
        job: expect.stringMatching(/^[0-9a-f]{16}$/),
        recording_id: "0a7203ad-04ac-45d8-bd6d-6a778f226c65",
      },
    });
    const job = queue.get(first.body.job as string);
    expect(job).toMatchObject({ state: "queued", event: "recording.completed", topic: "FOLIO weekly" });
    expect(await post(recordingEvent())).toMatchObject({
      status: 200,
      body: { status: "duplicate", job: job?.id },
    });
    expect(queued.map((j) => j.id)).toEqual([job?.id]);
    // The payload is the body exactly as received, token and all: the worker needs it.
    expect(queue.claim("w")?.payload).toBe(JSON.stringify(recordingEvent()));
  });

  it("answers other events and filtered recordings with 200 and queues nothing", async () => {
    expect(await post({ event: "meeting.started", payload: {} })).toEqual({
      status: 200,
      body: { status: "ignored", event: "meeting.started" },
    });
    const short = recordingEvent();
    short.payload.object.duration = 3;
    expect(await post(short)).toMatchObject({
      status: 200,
      body: { status: "skipped", reason: expect.stringMatching(/3 minute/) },
    });
    expect(queue.list()).toEqual([]);
  });

  it("answers 500, so that Zoom delivers again, when the event cannot be queued", async () => {
    queue.close();
    const answer = await post(recordingEvent());
    expect(answer.status).toBe(500);
    expect(logs.at(-1)).toMatchObject({ level: "error", msg: "webhook.not_queued" });
    queue = createSqliteJobQueue({ path: ":memory:" });
  });

  it("refuses a body over the limit with 413", async () => {
    const big = { ...recordingEvent(), padding: "x".repeat(1024 * 1024) };
    expect((await post(big)).status).toBe(413);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await start({ maxBodyBytes: 100 });
    const chunked = await fetch(`${base}${PATH}`, {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("y".repeat(200)));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("answers /healthz with the queue's counts, 503 while stopping or when the database is gone", async () => {
    await post(recordingEvent());
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      ok: true,
      db: "ok",
      jobs: { queued: 1, running: 0, done: 0, failed: 0 },
    });
    stopping = true;
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    stopping = false;
    queue.close();
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    queue = createSqliteJobQueue({ path: ":memory:" });
  });

  it("answers 404 elsewhere and 405 for another method on the webhook path", async () => {
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await post(recordingEvent(), { path: "/other" })).status).toBe(404);
    const get = await fetch(`${base}${PATH}`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("logs one line per request, without the body, the token or the secret", async () => {
    await post(recordingEvent());
    await post(recordingEvent(), { secret: "wrong" });
    const text = JSON.stringify(logs);
    for (const secret of [TOKEN, SECRET, "FOLIO weekly"]) expect(text).not.toContain(secret);
    expect(logs.map((l) => l.msg)).toEqual(["webhook.queued", "webhook.rejected"]);
  });

  it("answers 400 to a request target it cannot read, and keeps serving", async () => {
    // Node's parser accepts these targets, the WHATWG URL parser refuses them.
    for (const target of ["http://[", "//[x/../ingest/zoom_webhook", "http://a b/"]) {
      const head = await rawRequest(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(head.split("\r\n")[0], target).toMatch(/^HTTP\/1\.1 (400|404)/);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    }
  });
});

function rawRequest(text: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.setTimeout(2000, () => socket.destroy(new Error("no answer in 2 s")));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("end", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
    socket.end(text);
  });
}
