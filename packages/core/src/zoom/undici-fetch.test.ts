import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { send } from "./http.js";
import { undiciFetch } from "./undici-fetch.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("undiciFetch, the Zoom client's requests on the downloads' undici", () => {
  it("gives what the client reads of an answer: status, its words, headers, text and JSON", async () => {
    const seen: {
      method: string | undefined;
      authorization: string | undefined;
      length: string | undefined;
    }[] = [];
    const origin = await serve((req, res) => {
      seen.push({
        method: req.method,
        authorization: req.headers.authorization,
        length: req.headers["content-length"],
      });
      if (req.url === "/missing") {
        res.writeHead(404, { "Content-Type": "application/json" }).end('{"code":3001}');
        return;
      }
      res.setHeader("Retry-After", "7");
      res.setHeader("X-Many", ["a", "b"]);
      res.writeHead(200).end('{"ok":true}');
    });
    const ok = await undiciFetch(new URL(`${origin}/v2/users`), { headers: { authorization: "Bearer t" } });
    expect([ok.status, ok.ok, ok.statusText]).toEqual([200, true, "OK"]);
    expect(ok.headers.get("Retry-After")).toBe("7");
    expect(ok.headers.get("x-many")).toBe("a, b");
    expect(ok.headers.get("absent")).toBeNull();
    expect(await ok.json()).toEqual({ ok: true });
    const missing = await undiciFetch(new URL(`${origin}/missing`), { method: "POST", headers: {} });
    expect([missing.status, missing.ok, missing.statusText]).toEqual([404, false, "Not Found"]);
    expect(await missing.text()).toBe('{"code":3001}');
    expect(seen).toEqual([
      { method: "GET", authorization: "Bearer t", length: undefined },
      { method: "POST", authorization: undefined, length: "0" },
    ]);
  });

  it("lets an unread answer go, so that the connection serves the next request", async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(401).end("x".repeat(100_000));
    });
    for (let i = 0; i < 3; i++) {
      const answer = await undiciFetch(new URL(`${origin}/v2/me`), { headers: {} });
      expect(answer.status).toBe(401);
      await answer.body?.cancel();
    }
  });

  it("sends no request body: the client never has one", async () => {
    await expect(undiciFetch(new URL("http://127.0.0.1:9/"), { body: "x" })).rejects.toThrow(
      /no request body/,
    );
  });

  it("is named by its code when Zoom cannot be reached, and stops at the client's timeout", async () => {
    const origin = await serve(() => {});
    const closed = await serve(() => {});
    const port = new URL(closed).port;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const ctx = {
      fetch: undiciFetch,
      now: Date.now,
      maxRetryAfterMs: 0,
      timeoutMs: 200,
      accountId: "acct",
      secrets: () => [],
    };
    await expect(send(ctx, "GET /users", new URL(`http://127.0.0.1:${port}/v2/users`), {})).rejects.toThrow(
      "GET /users failed: could not reach Zoom (ECONNREFUSED).",
    );
    await expect(send(ctx, "GET /users", new URL(`${origin}/v2/users`), {})).rejects.toThrow(
      "GET /users failed: could not reach Zoom (timed out).",
    );
  });
});
