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
