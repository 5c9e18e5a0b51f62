/**
 * The request line and headers of a running `zrec serve` (the built CLI, on 127.0.0.1 only), fuzzed
 * over raw sockets: targets Node's HTTP parser accepts and the WHATWG URL parser refuses, odd methods
 * and versions, control bytes, huge and repeated headers, conflicting lengths. After every case
 * `/healthz` must answer 200 and the process must still run: no request may end the server.
 * Normal suite: 40 seeded cases; `pnpm test:faults`: ZREC_FAULT_RUNS x 10.
 */
import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { connect } from "node:net";
import { makeWorkspace, spawnZrec } from "@zrec/test-utils/cli";
import { Figures } from "@zrec/test-utils/faults/figures";
import { type Rng, seeded, seedsFor } from "@zrec/test-utils/faults/seeded";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const figures = new Figures("serve-fuzz");
const PATH = "/ingest/zoom_webhook";
let sim: Awaited<ReturnType<typeof startZoomSim>>;
let ws: Awaited<ReturnType<typeof makeWorkspace>>;
let child: ChildProcess;
let port = 0;
let stderr = "";

beforeAll(async () => {
  sim = await startZoomSim();
  ws = await makeWorkspace(sim);
  child = spawnZrec(["serve", "--port", "0", "--host", "127.0.0.1"], {
    cwd: ws.dir,
    env: { ...ws.env, ZOOM_WEBHOOK_SECRET_TOKEN: sim.webhookSecretToken },
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk));
  port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`zrec serve did not start: ${stderr}`)), 10_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk;
      const found = /"url":"http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (found && port === 0) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    });
  });
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await sim?.close();
  if (ws) await rm(ws.dir, { recursive: true, force: true });
  await figures.write();
});

/** Sends raw bytes, resolves with whatever came back once the server closes, answers or goes quiet. */
function raw(bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const done = () => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_500, done);
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (/\r\n\r\n/.test(answer)) done();
    });
    socket.on("close", done);
    socket.on("error", done);
    socket.write(bytes);
  });
}

const TARGETS = [
  "http://[",
  "//[x/../ingest/zoom_webhook",
  "http://[::1",
  "http://a b/",
  "http://%zz/",
  "//",
  "/%",
  "/%00",
  "*",
  "http://user@:99999/",
  "https://[fe80::1%25eth0]/healthz",
  PATH,
  `${PATH}?${"a".repeat(50)}`,
  "/healthz",
  "/\u00ff\u00fe",
  `/${"x".repeat(6000)}`,
];
const METHODS = ["GET", "POST", "HEAD", "PUT", "OPTIONS", "CONNECT", "PRI", "G\u00e9T", "get", "X"];
const VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.1 extra", ""];
const JUNK = ["\u0000", "\u0007", "\u001b[2J", "\r", " ", "\t", "\u00a0", "[", "%", "\\"];
const HEADERS: ((rng: Rng) => string)[] = [
  () => "Host: x",
  () => "Host: [",
  () => "Content-Length: 5",
  () => "Content-Length: -1",
  () => "Content-Length: 99999999999999999999",
  () => "Content-Length: 1\r\nContent-Length: 2",
  () => "Transfer-Encoding: chunked",
  () => "Transfer-Encoding: gzip, chunked, identity",
  () => "x-zm-signature: v0=",
  () => "x-zm-request-timestamp: NaN",
  () => "Expect: 100-continue",
  () => "Connection: upgrade\r\nUpgrade: websocket",
  (rng) => `X-Big: ${"a".repeat(rng.int(1, 20_000))}`,
  (rng) => `${rng.pick(JUNK)}Bad: 1`,
  (rng) => `X-Ctl: a${rng.pick(JUNK)}b`,
  () => "NoColon",
];

function mutate(rng: Rng, text: string): string {
  if (!rng.chance(0.3)) return text;
  const at = rng.int(0, text.length);
  return text.slice(0, at) + rng.pick(JUNK) + text.slice(at);
}

function caseFor(seed: number): Buffer {
  const rng = seeded(seed);
  const line = [rng.pick(METHODS), rng.pick(TARGETS), rng.pick(VERSIONS)].join(rng.chance(0.9) ? " " : "  ");
  const headers = Array.from({ length: rng.int(0, 4) }, () => rng.pick(HEADERS)(rng));
  const body = rng.chance(0.5) ? "0\r\n\r\n" : "{}";
  return Buffer.from(
    `${mutate(rng, line)}\r\n${headers.map((h) => `${mutate(rng, h)}\r\n`).join("")}\r\n${body}`,
    "latin1",
  );
}

async function healthy(): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3_000) });
  await response.arrayBuffer();
  return response.status === 200;
}

describe("zrec serve under a fuzzed request line and headers", () => {
  it("answers or closes every request, and /healthz answers 200 after each", async () => {
    const seeds = seedsFor(
      Array.from({ length: 40 }, (_, i) => i + 1),
      10,
    );
    for (const seed of seeds) {
      const answer = await raw(caseFor(seed));
      figures.add("badInputs");
      if (answer.startsWith("HTTP/1.1 5")) figures.addKind("status", "5xx");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? "closed";
      figures.addKind("answers", status);
      expect(child.exitCode, `seed ${seed} ended zrec serve: ${stderr}`).toBeNull();
      expect(await healthy(), `seed ${seed}`).toBe(true);
    }
    // The two targets from the report, exactly.
    for (const line of ["GET http://[ HTTP/1.1", `POST //[x/../ingest/zoom_webhook HTTP/1.1`]) {
      const answer = await raw(Buffer.from(`${line}\r\nHost: x\r\nContent-Length: 0\r\n\r\n`));
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(await healthy()).toBe(true);
    }
    expect(child.exitCode).toBeNull();
    expect(stderr).toBe("");
  }, 600_000);
});
