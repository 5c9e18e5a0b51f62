/**
 * Property-based tests (fast-check) of the webhook endpoint over headers and bodies an attacker on the
 * internet can send. Properties:
 * - never a crash: handleWebhook returns a valid outcome or throws WebhookRejected, nothing else;
 * - never accepted without a valid signature: unsigned, wrongly signed, re-signed with another secret,
 *   or one bit flipped in body, timestamp or signature: always 401;
 * - replays refused: a correct signature over a timestamp more than 5 minutes from now: always 401;
 * - garbage that is correctly signed (any bytes, any JSON, a real event with fields replaced by
 *   anything): an outcome or 400, never 401 (it is Zoom's) and never a crash;
 * - over HTTP through `zrec serve`'s receiver: garbage gets 400, 401 or 413, never a 5xx (Zoom would
 *   retry a 5xx for days) and never a 2xx unless signed;
 * - constant time: every signature comparison goes through crypto.timingSafeEqual (spied on), on
 *   buffers of equal length, and webhook.ts compares no signature with `===` (read from its source).
 *
 * Normal suite: a few hundred runs per property; `pnpm test:faults`: 20x more. Figures:
 * webhook-properties.json.
 */
import * as crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Figures } from "@zrec/test-utils/faults/figures";
import { longRuns } from "@zrec/test-utils/faults/seeded";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { WebhookRejected } from "../../src/errors.js";
import type { Job, JobQueue, NewJob } from "../../src/jobs/types.js";
import { createWebhookReceiver } from "../../src/serve/receiver.js";
import { handleWebhook, type WebhookOutcome } from "../../src/zoom/webhook.js";

// Every call of timingSafeEqual made by zrec's code is recorded, then done by the real one.
const compares = vi.hoisted(() => ({ calls: [] as [number, number][] }));
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compares.calls.push([a.byteLength, b.byteLength]);
    return real.timingSafeEqual(a, b);
  };
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});

const SECRET = "whsec-property-test-secret-value";
const NOW = 1_750_000_000_000;
const runs = (normal: number) => (longRuns ? normal * 20 : normal);
const figures = new Figures("webhook-properties");

afterAll(async () => {
  await figures.write();
});
beforeEach(() => {
  compares.calls.length = 0;
});

function sign(body: string | Uint8Array, timestamp: number | string, secret = SECRET) {
  const hmac = crypto.createHmac("sha256", secret).update(`v0:${timestamp}:`);
  hmac.update(body);
  return { "x-zm-signature": `v0=${hmac.digest("hex")}`, "x-zm-request-timestamp": String(timestamp) };
}

const nowSeconds = Math.floor(NOW / 1000);

/** A real-looking recording.completed body. */
function validEvent(): Record<string, unknown> {
  return {
    event: "recording.completed",
    event_ts: NOW,
    download_token: "eyJhbGciOiJIUzI1NiJ9.e30.property-download-token",
    payload: {
      account_id: "acct-1",
      object: {
        uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
        id: 81234567890,
        account_id: "acct-1",
        host_id: "host-1",
        topic: "FOLIO weekly",
        start_time: "2025-03-04T15:00:00Z",
        timezone: "America/New_York",
        duration: 30,
        recording_files: [
          {
            id: "f-1",
            meeting_id: "CnIDrQSsRdi9bWp3jyJsZQ==",
            recording_start: "2025-03-04T15:00:09Z",
            recording_end: "2025-03-04T15:30:00Z",
            file_type: "MP4",
            file_extension: "MP4",
            file_size: 1234,
            download_url: "https://zoom.us/rec/webhook_download/x/f-1",
            status: "completed",
            recording_type: "shared_screen_with_speaker_view",
          },
        ],
      },
    },
  };
}

/** A field of the valid event, by path, replaced by `value` (or removed when value is undefined). */
function mutated(path: (string | number)[], value: unknown): Record<string, unknown> {
  const event = validEvent();
  let node = event as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) {
    const next = node[step];
    if (typeof next !== "object" || next === null) return event;
    node = next as Record<string | number, unknown>;
  }
  const last = path.at(-1) as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return event;
}

const FIELD_PATHS: (string | number)[][] = [
  ["event"],
  ["event_ts"],
  ["download_token"],
  ["payload"],
  ["payload", "account_id"],
  ["payload", "object"],
  ["payload", "object", "uuid"],
  ["payload", "object", "id"],
  ["payload", "object", "topic"],
  ["payload", "object", "duration"],
  ["payload", "object", "start_time"],
  ["payload", "object", "recording_files"],
  ["payload", "object", "recording_files", 0],
  ["payload", "object", "recording_files", 0, "download_url"],
  ["payload", "object", "recording_files", 0, "file_size"],
  ["payload", "object", "recording_files", 0, "recording_type"],
  ["payload", "object", "recording_files", 0, "file_extension"],
  ["payload", "object", "recording_files", 0, "status"],
];

const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.anything({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.double(),
  fc.constantFrom("../../etc/passwd", "\u0000", "a/b", "__proto__", "constructor", "x".repeat(10_000)),
);

/** Bodies that may or may not be JSON, events or anything else. */
const anyBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 500 }),
  fc.uint8Array({ maxLength: 500 }),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
  fc.record({ event: fc.string(), payload: fc.anything({ maxDepth: 3 }) }).map((v) => JSON.stringify(v)),
  fc
    .tuple(fc.constantFrom(...FIELD_PATHS), anyValue)
    .map(([path, value]) => JSON.stringify(mutated(path, value))),
  fc.constant(JSON.stringify(validEvent())),
  fc.constant(JSON.stringify({ event: "endpoint.url_validation", payload: { plainToken: "abc" } })),
);

/** Header objects as Node gives them: any case, strings or lists, junk included. */
const anyHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom("x-zm-signature", "X-ZM-Signature", "x-zm-request-timestamp", "X-Zm-Request-Timestamp"),
    fc.string({ minLength: 1, maxLength: 20 }),
  ),
  fc.oneof(
    fc.string({ maxLength: 100 }),
    fc.array(fc.string({ maxLength: 80 }), { maxLength: 3 }),
    fc.constant(undefined),
    fc.constantFrom("v0=", `v0=${"0".repeat(64)}`, String(nowSeconds), "-1", "1e9", "NaN", " 1750000000 "),
  ),
  { maxKeys: 6 },
);

/** The outcome, or the rejection; anything else thrown is a crash and fails the property. */
function outcomeOf(run: () => WebhookOutcome): WebhookOutcome | WebhookRejected {
  try {
    return run();
  } catch (error) {
    if (error instanceof WebhookRejected) return error;
    throw error;
  }
}

describe("handleWebhook: properties", () => {
  it("never accepts a request whose signature is not right; never crashes on one", () => {
    fc.assert(
      fc.property(anyHeaders, anyBody, (headers, body) => {
        figures.add("badInputs");
        const result = outcomeOf(() => handleWebhook({ headers, rawBody: body, secret: SECRET, now: NOW }));
        // Random headers are never a valid HMAC of the body (2^-256): every one must be refused.
        expect(result).toBeInstanceOf(WebhookRejected);
        expect((result as WebhookRejected).status).toBe(401);
        expect((result as WebhookRejected).message).not.toContain(SECRET);
      }),
      { numRuns: runs(400) },
    );
  });

  it("refuses a body signed with another secret, and any one-bit change of body, timestamp or signature", () => {
    fc.assert(
      fc.property(
        anyBody,
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.constantFrom("body", "timestamp", "signature", "secret"),
        (body, otherSecret, at, what) => {
          figures.add("badInputs");
          fc.pre(otherSecret !== SECRET);
          let headers: Record<string, string> = sign(body, nowSeconds);
          let rawBody: string | Uint8Array = body;
          const flip = (bytes: Buffer) => {
            if (bytes.length === 0) return Buffer.from([1]);
            const copy = Buffer.from(bytes);
            const i = at % copy.length;
            copy[i] = (copy[i] as number) ^ (1 << (at % 7));
            return copy;
          };
          if (what === "secret") headers = sign(body, nowSeconds, otherSecret);
          if (what === "body") rawBody = flip(Buffer.from(body));
          if (what === "timestamp") headers["x-zm-request-timestamp"] = String(nowSeconds - 1 - (at % 200));
          if (what === "signature") {
            const sig = headers["x-zm-signature"] as string;
            const i = 3 + (at % 64);
            const changed = sig[i] === "0" ? "1" : "0";
            headers["x-zm-signature"] = sig.slice(0, i) + changed + sig.slice(i + 1);
          }
          const result = outcomeOf(() => handleWebhook({ headers, rawBody, secret: SECRET, now: NOW }));
          expect(result).toBeInstanceOf(WebhookRejected);
          expect((result as WebhookRejected).status).toBe(401);
        },
      ),
      { numRuns: runs(400) },
    );
  });

  it("refuses replays: a correct signature over a timestamp more than 5 minutes away, either way", () => {
    fc.assert(
      fc.property(
        anyBody,
        fc.integer({ min: 301, max: 10 * 365 * 86_400 }),
        fc.boolean(),
        fc.boolean(),
        (body, away, past, inMs) => {
          figures.add("badInputs");
          const seconds = nowSeconds + (past ? -away : away);
          const stamp = inMs ? seconds * 1000 : seconds;
          const result = outcomeOf(() =>
            handleWebhook({ headers: sign(body, stamp), rawBody: body, secret: SECRET, now: NOW }),
          );
          expect(result).toBeInstanceOf(WebhookRejected);
          expect((result as WebhookRejected).status).toBe(401);
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it("answers correctly signed garbage with an outcome or a 400, never a crash or a 401", () => {
    fc.assert(
      fc.property(anyBody, fc.integer({ min: -299, max: 299 }), (body, skew) => {
        figures.add("badInputs");
        const stamp = nowSeconds + skew;
        const result = outcomeOf(() =>
          handleWebhook({ headers: sign(body, stamp), rawBody: body, secret: SECRET, now: NOW }),
        );
        if (result instanceof WebhookRejected) {
          expect(result.status).toBe(400);
          expect(result.message.split("\n")).toHaveLength(1);
          expect(result.message).not.toContain(SECRET);
        } else {
          expect(["url_validation", "recording", "ignored"]).toContain(result.kind);
        }
      }),
      { numRuns: runs(600) },
    );
  });

  it("answers a signed event nested 100,000 deep with a 400, not a crash (it would be stored)", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const body = JSON.stringify({ ...validEvent(), extra: "__deep__" }).replace('"__deep__"', deep);
    const result = outcomeOf(() =>
      handleWebhook({ headers: sign(body, nowSeconds), rawBody: body, secret: SECRET, now: NOW }),
    );
    figures.add("badInputs");
    expect(result).toBeInstanceOf(WebhookRejected);
    expect((result as WebhookRejected).status).toBe(400);
    expect((result as WebhookRejected).message).toMatch(/nested more than 100 levels deep/);
  });

  it("compares every signature with crypto.timingSafeEqual, on equal lengths, and never with ===", () => {
    const body = JSON.stringify(validEvent());
    const good = sign(body, nowSeconds);
    expect(handleWebhook({ headers: good, rawBody: body, secret: SECRET, now: NOW }).kind).toBe("recording");
    expect(compares.calls).toEqual([[good["x-zm-signature"].length, good["x-zm-signature"].length]]);
    compares.calls.length = 0;
    const bad = { ...good, "x-zm-signature": `v0=${"f".repeat(64)}` };
    expect(
      outcomeOf(() => handleWebhook({ headers: bad, rawBody: body, secret: SECRET, now: NOW })),
    ).toBeInstanceOf(WebhookRejected);
    expect(compares.calls).toHaveLength(1);
    // The source: the only comparison of a signature is the timingSafeEqual one (a length check first,
    // which gives away only the length, fixed and public: "v0=" + 64 hex digits).
    const source = readFileSync(new URL("../../src/zoom/webhook.ts", import.meta.url), "utf8");
    expect(source).toMatch(/timingSafeEqual\(received, expected\)/);
    expect(source).not.toMatch(/(signature|expected|received)\s*[!=]==?\s*(signature|expected|received)/);
    expect(source).not.toMatch(/\.equals\(/);
    figures.add("constantTimeChecks");
  });
});

describe("the webhook receiver over HTTP: garbage never gets a 5xx", () => {
  let server: Server;
  let port: number;
  const queued: NewJob[] = [];

  beforeAll(async () => {
    const queue = {
      path: ":memory:",
      enqueue(job: NewJob) {
        queued.push(job);
        return { job: { ...job, state: "queued" } as unknown as Job, created: true };
      },
      counts: () => ({}),
    } as unknown as JobQueue;
    const config = loadConfig({}, { env: {} });
    const handler = createWebhookReceiver({
      path: "/ingest/zoom_webhook",
      secret: SECRET,
      queue,
      config,
      log: () => {},
      maxBodyBytes: 64 * 1024,
    });
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function post(headers: Record<string, string>, body: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: "127.0.0.1", port, method: "POST", path: "/ingest/zoom_webhook", headers },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Header values Node will put on the wire (no control characters). */
  const wireText = fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""));

  it("answers unsigned or wrongly signed garbage with 400, 401 or 413, never 2xx or 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyBody,
        wireText,
        wireText,
        fc.oneof(fc.constant(0), fc.constant(70 * 1024)),
        async (body, signature, timestamp, padding) => {
          figures.add("badInputs");
          figures.add("httpRequests");
          const bytes = Buffer.concat([Buffer.from(body), Buffer.alloc(padding, 32)]);
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (signature !== "") headers["x-zm-signature"] = signature;
          if (timestamp !== "") headers["x-zm-request-timestamp"] = timestamp;
          const status = await post(headers, bytes);
          expect([400, 401, 413]).toContain(status);
        },
      ),
      { numRuns: runs(100) },
    );
  });

  it("answers correctly signed garbage with 200 or 400, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        figures.add("badInputs");
        figures.add("httpRequests");
        const stamp = Math.floor(Date.now() / 1000);
        const status = await post(
          { "content-type": "application/json", ...sign(body, stamp) },
          Buffer.from(body),
        );
        expect([200, 400]).toContain(status);
      }),
      { numRuns: runs(100) },
    );
  });
});
