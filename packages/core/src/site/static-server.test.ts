import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRange, type StaticServer, serveStatic } from "./static-server.js";

describe("parseRange", () => {
  it("reads the forms players send and refuses the rest", () => {
    expect(parseRange("bytes=0-", 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=2-4", 10)).toEqual({ start: 2, end: 4 });
    expect(parseRange("bytes=-3", 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange("bytes=5-100", 10)).toEqual({ start: 5, end: 9 });
    for (const bad of ["bytes=10-", "bytes=4-2", "bytes=-0", "bytes=-", "items=0-1", "bytes=0-1,3-4"]) {
      expect(parseRange(bad, 10)).toBeUndefined();
    }
  });
});

describe("serveStatic", () => {
  let dir: string;
  let server: StaticServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "zrec-static-"));
    await mkdir(path.join(dir, "root", "site"), { recursive: true });
    await writeFile(path.join(dir, "root", "site", "index.html"), "<p>home</p>");
    await writeFile(path.join(dir, "root", "a.mp4"), "0123456789");
    await writeFile(path.join(dir, "secret.txt"), "outside");
    await symlink(path.join(dir, "secret.txt"), path.join(dir, "root", "link.txt"));
    server = await serveStatic({ dir: path.join(dir, "root") });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (p: string, headers: Record<string, string> = {}) =>
    fetch(new URL(p, server.url), { headers, redirect: "manual" });

  it("serves files with their type, and ranges of them", async () => {
    const page = await get("/site/index.html");
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toBe("<p>home</p>");
    const part = await get("/a.mp4", { range: "bytes=2-4" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-4/10");
    expect(await part.text()).toBe("234");
    expect((await get("/a.mp4", { range: "bytes=20-" })).status).toBe(416);
    expect((await get("/")).headers.get("location")).toBe("/site/index.html");
  });

  it("never serves anything outside its folder, nor lists folders", async () => {
    for (const p of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/site/..%2f..%2fsecret.txt",
      "/link.txt",
      "/site",
    ]) {
      const response = await get(p);
      expect([400, 404]).toContain(response.status);
      expect(await response.text()).not.toContain("outside");
    }
    expect((await fetch(new URL("/a.mp4", server.url), { method: "POST" })).status).toBe(405);
  });
});

describe("serveStatic with allow", () => {
  let dir: string;
  let server: StaticServer;
  const asked: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "zrec-static-allow-"));
    await mkdir(path.join(dir, "site"));
    await writeFile(path.join(dir, "site", "index.html"), "<p>home</p>");
    await writeFile(path.join(dir, "index.db"), "password=hunter2");
    await writeFile(path.join(dir, "a.mp4"), "0123456789");
    // An allowed name that leads to a refused file.
    await symlink(path.join(dir, "index.db"), path.join(dir, "site", "db.html"));
    server = await serveStatic({
      dir,
      allow: async (pathname) => {
        asked.push(pathname);
        return pathname.startsWith("/site/") || pathname === "/a.mp4";
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (p: string, init: RequestInit = {}) =>
    fetch(new URL(p, server.url), { redirect: "manual", ...init });

  it("serves what it allows", async () => {
    expect(await (await send("/site/")).text()).toBe("<p>home</p>");
    expect((await send("/a.mp4", { headers: { range: "bytes=0-1" } })).status).toBe(206);
  });

  it("answers a refused file exactly as a missing one, on GET and HEAD", async () => {
    const seen = (response: Response, body: string) => ({
      status: response.status,
      body,
      type: response.headers.get("content-type"),
      length: response.headers.get("content-length"),
      ranges: response.headers.get("accept-ranges"),
    });
    for (const method of ["GET", "HEAD"]) {
      const missing = await send("/nothing-here.db", { method });
      const expected = seen(missing, await missing.text());
      expect(expected.status).toBe(404);
      for (const p of ["/index.db", "/site/%2e%2e/index.db", "/site/..%2findex.db", "/site/db.html"]) {
        const response = await send(p, { method });
        const body = await response.text();
        expect(seen(response, body), `${method} ${p}`).toEqual(expected);
        expect(body).not.toContain("hunter2");
      }
    }
  });

  it("asks about the normalised path, decoded, before it reads anything", async () => {
    asked.length = 0;
    await send("/site/..%2findex.db");
    await send("/site/a%20b%2f..%2findex.html");
    expect(asked).toEqual(["/index.db", "/site/index.html"]);
  });
});
