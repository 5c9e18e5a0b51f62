import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DownloadRefused, ErrorCode } from "../errors.js";
import { retryVerdict } from "../retry-verdict.js";
import { SourceHttpError, type SourceResponse } from "../transfer/source.js";
import {
  createDownloadSource,
  type DownloadSourceOptions,
  parseContentRange,
  type TokenProvider,
} from "./download.js";

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
}

interface TestServer {
  url: string;
  port: number;
  hits: Hit[];
  close(): Promise<void>;
}

const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const agent = new Agent();
const servers: TestServer[] = [];

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, hit: number) => void,
): Promise<TestServer> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    hits.push({ path: req.url ?? "", headers: req.headers });
    handler(req, res, hits.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const handle: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

/** Serves DATA, honouring `Range: bytes=s-e` unless told not to. */
function sendData(req: IncomingMessage, res: ServerResponse, honourRange = true): void {
  const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
  if (!match || !honourRange) {
    res.writeHead(200, { "content-length": DATA.length }).end(DATA);
    return;
  }
  const start = Number(match[1]);
  const end = Math.min(Number(match[2]), DATA.length - 1);
  res
    .writeHead(206, {
      "content-range": `bytes ${start}-${end}/${DATA.length}`,
      "content-length": end - start + 1,
    })
    .end(DATA.subarray(start, end + 1));
}

function redirect(res: ServerResponse, location: string, status = 302): void {
  res.writeHead(status, { location }).end("moved");
}

const staticToken = (value = "tok-zoom"): TokenProvider => ({ current: async () => value });

function source(url: string, options: Partial<DownloadSourceOptions> = {}) {
  return createDownloadSource({ url, allowedHosts: ["127.0.0.1"], dispatcher: agent, ...options });
}

async function bytesOf(response: SourceResponse): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: Error) => error,
  );
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await agent.close();
});

describe("createDownloadSource", () => {
  it("sends Authorization to Zoom, never to the CDN it redirects to, and asks for the range", async () => {
    const cdn = await serve((req, res) => sendData(req, res));
    const zoom = await serve((_req, res) => redirect(res, `${cdn.url}/signed/file.mp4?sig=SIGNATURE&x=1`));
    const src = source(`${zoom.url}/rec/download/abc?access=QUERYSECRET`, { token: staticToken() });
    expect(src.description).toBe(`127.0.0.1:${zoom.port}/rec/download/abc`);

    const response = await src.fetch({ start: 10, end: 19 });
    expect(response.status).toBe(206);
    expect(response.contentRange).toEqual({ start: 10, end: 19, total: 1000 });
    expect(response.contentLength).toBe(10);
    expect(await bytesOf(response)).toEqual(DATA.subarray(10, 20));

    expect(zoom.hits[0]?.headers.authorization).toBe("Bearer tok-zoom");
    expect(zoom.hits[0]?.headers.range).toBe("bytes=10-19");
    expect(cdn.hits[0]?.headers.authorization).toBeUndefined();
    expect(cdn.hits[0]?.headers.range).toBe("bytes=10-19");
    expect(cdn.hits[0]?.path).toBe("/signed/file.mp4?sig=SIGNATURE&x=1");
  });

  it("goes straight to the final URL for later fetches", async () => {
    const cdn = await serve((req, res) => sendData(req, res));
    const zoom = await serve((_req, res) => redirect(res, `${cdn.url}/signed/file.mp4?sig=1`));
    const src = source(`${zoom.url}/rec/download/abc`, { token: staticToken() });
    await bytesOf(await src.fetch({ start: 0, end: 99 }));
    const second = await src.fetch({ start: 100, end: 199 });
    expect(await bytesOf(second)).toEqual(DATA.subarray(100, 200));
    expect(zoom.hits).toHaveLength(1);
    expect(cdn.hits.map((h) => h.headers.range)).toEqual(["bytes=0-99", "bytes=100-199"]);
    expect(cdn.hits.every((h) => h.headers.authorization === undefined)).toBe(true);
  });

  it("keeps Authorization on a redirect within Zoom's own origin (relative Location)", async () => {
    const zoom = await serve((req, res) =>
      req.url === "/start" ? redirect(res, "/real?x=1", 307) : sendData(req, res),
    );
    const response = await source(`${zoom.url}/start`, { token: staticToken() }).fetch(undefined);
    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toEqual(DATA);
    expect(zoom.hits.map((h) => [h.path, h.headers.authorization, h.headers.range])).toEqual([
      ["/start", "Bearer tok-zoom", undefined],
      ["/real?x=1", "Bearer tok-zoom", undefined],
    ]);
  });

  it("reports a server that ignores Range as 200 with the whole body", async () => {
    const cdn = await serve((req, res) => sendData(req, res, false));
    const response = await source(`${cdn.url}/f`).fetch({ start: 0, end: 9 });
    expect(response.status).toBe(200);
    expect(response.contentLength).toBe(1000);
    expect(response.contentRange).toBeUndefined();
    await response.discard();
    expect(cdn.hits[0]?.headers.authorization).toBeUndefined();
  });

  it("refuses a redirect to a host not allowed, before connecting to it", async () => {
    const trap = await serve((req, res) => sendData(req, res));
    const zoom = await serve((_req, res) => redirect(res, `http://localhost:${trap.port}/x?sig=SIGNATURE`));
    const error = await rejection(source(`${zoom.url}/rec`, { token: staticToken() }).fetch(undefined));
    expect(error).toBeInstanceOf(DownloadRefused);
    expect((error as DownloadRefused).code).toBe(ErrorCode.DOWNLOAD_REFUSED);
    expect(error.message).toContain("host localhost");
    expect(error.message).not.toContain("SIGNATURE");
    expect(trap.hits).toHaveLength(0);
  });

  it("never sends a token over plain http to a host that is not loopback", async () => {
    let asked = 0;
    const token: TokenProvider = { current: async () => `tok-${++asked}` };
    const refusing = {
      dispatch: () => {
        throw new Error("a request was made");
      },
    } as never;
    const src = source("http://us06web.zoom.us/rec/download/x", {
      token,
      allowedHosts: ["*.zoom.us"],
      dispatcher: refusing,
    });
    const error = await rejection(src.fetch(undefined));
    expect(error).toBeInstanceOf(DownloadRefused);
    expect(error.message).toMatch(/https/);
    expect(asked).toBe(0);
  });

  it("refuses a download URL whose own host is not allowed", async () => {
    const trap = await serve((req, res) => sendData(req, res));
    const src = source(`http://localhost:${trap.port}/x`);
    await expect(src.fetch(undefined)).rejects.toBeInstanceOf(DownloadRefused);
    expect(trap.hits).toHaveLength(0);
  });

  it("refuses schemes other than http and https, also after a redirect", async () => {
    await expect(source("ftp://127.0.0.1/file").fetch(undefined)).rejects.toThrow(/ftp: URL/);
    const zoom = await serve((_req, res) => redirect(res, "file:///etc/passwd"));
    const error = await rejection(source(`${zoom.url}/rec`).fetch(undefined));
    expect(error).toBeInstanceOf(DownloadRefused);
    expect(error.message).toMatch(/redirect from 127\.0\.0\.1:\d+\/rec to a file: URL/);
    await expect(source("not a url").fetch(undefined)).rejects.toBeInstanceOf(DownloadRefused);
  });

  it("gives up after maxRedirects", async () => {
    const loop = await serve((_req, res, hit) => redirect(res, `/hop/${hit}`));
    const error = await rejection(source(`${loop.url}/start`, { maxRedirects: 3 }).fetch(undefined));
    expect(error).toBeInstanceOf(DownloadRefused);
    expect(error.message).toContain("more than 3 times");
    expect(loop.hits).toHaveLength(4);
  });

  it("after a 401 from Zoom, refreshes the token once and tries again", async () => {
    const cdn = await serve((req, res) => sendData(req, res));
    const zoom = await serve((req, res) =>
      req.headers.authorization === "Bearer tok-new"
        ? redirect(res, `${cdn.url}/f`)
        : res.writeHead(401).end(),
    );
    let refreshes = 0;
    const token: TokenProvider = {
      current: async () => "tok-old",
      refresh: async () => {
        refreshes++;
        return "tok-new";
      },
    };
    const response = await source(`${zoom.url}/rec`, { token }).fetch({ start: 0, end: 9 });
    expect(response.status).toBe(206);
    await response.discard();
    expect(refreshes).toBe(1);
    expect(zoom.hits.map((h) => h.headers.authorization)).toEqual(["Bearer tok-old", "Bearer tok-new"]);
  });

  it("a second 401 is a SourceHttpError that names no token", async () => {
    const zoom = await serve((_req, res) => res.writeHead(401).end("no"));
    let refreshes = 0;
    const token: TokenProvider = {
      current: async () => "tok-old",
      refresh: async () => `tok-new-${++refreshes}`,
    };
    const error = await rejection(source(`${zoom.url}/rec?x=QUERY`, { token }).fetch(undefined));
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as SourceHttpError).status).toBe(401);
    expect(retryVerdict(error)).toBe("permanent");
    expect(error.message).toBe(`GET 127.0.0.1:${zoom.port}/rec answered 401`);
    expect(refreshes).toBe(1);
    expect(zoom.hits).toHaveLength(2);
  });

  it("when the remembered CDN URL answers 403, asks Zoom for a fresh one, once", async () => {
    const valid = new Set<string>();
    let issuing = true;
    const cdn = await serve((req, res) =>
      valid.has(req.url ?? "") ? sendData(req, res) : res.writeHead(403).end(),
    );
    const zoom = await serve((_req, res, hit) => {
      if (issuing) valid.add(`/signed/${hit}`);
      redirect(res, `${cdn.url}/signed/${hit}`);
    });
    const src = source(`${zoom.url}/rec`, { token: staticToken() });
    await (await src.fetch({ start: 0, end: 9 })).discard();

    valid.clear(); // the signature expires
    const again = await src.fetch({ start: 10, end: 19 });
    expect(await bytesOf(again)).toEqual(DATA.subarray(10, 20));
    expect(zoom.hits).toHaveLength(2);
    expect(cdn.hits.map((h) => h.path)).toEqual(["/signed/1", "/signed/1", "/signed/2"]);

    valid.clear();
    issuing = false; // now even a fresh URL is refused: one re-resolve, then the error
    const error = await rejection(src.fetch({ start: 20, end: 29 }));
    expect((error as SourceHttpError).status).toBe(403);
    expect(zoom.hits).toHaveLength(3);
  });

  it("answers other statuses with a SourceHttpError carrying Retry-After", async () => {
    const cdn = await serve((_req, res) => res.writeHead(503, { "retry-after": "3" }).end("busy"));
    const error = await rejection(source(`${cdn.url}/file.mp4?signature=SIG`).fetch({ start: 0, end: 9 }));
    expect(error).toBeInstanceOf(SourceHttpError);
    const http = error as SourceHttpError;
    expect(http.status).toBe(503);
    expect(retryVerdict(http)).toBe("transient");
    expect(http.retryAfterMs).toBe(3000);
    expect(http.message).toBe(`GET 127.0.0.1:${cdn.port}/file.mp4 answered 503`);
  });

  it("sends no Authorization at all without a token provider", async () => {
    const zoom = await serve((req, res) => sendData(req, res));
    await (await source(`${zoom.url}/f`).fetch({ start: 0, end: 0 })).discard();
    expect(zoom.hits[0]?.headers.authorization).toBeUndefined();
  });
});

describe("parseContentRange", () => {
  it.each([
    ["bytes 0-99/1000", { start: 0, end: 99, total: 1000 }],
    ["bytes 5-9/*", { start: 5, end: 9 }],
    ["BYTES 1-1/2", { start: 1, end: 1, total: 2 }],
    ["bytes 9-5/10", undefined],
    ["bytes */1000", undefined],
    [undefined, undefined],
  ])("%s", (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });
});
