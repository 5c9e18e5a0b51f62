/**
 * The esbuild bundles, built into a temporary folder: no SQLite and no CLI code inside, and each one
 * loads and answers under plain Node 20 as Lambda's nodejs20.x runtime would import it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BundleSize, bundleHandlers } from "../scripts/bundle.mjs";
import { HANDLER_NAMES } from "../src/index.js";

const run = promisify(execFile);

/** Modules a Lambda bundle must never hold. */
const FORBIDDEN = [
  /better-sqlite3/,
  /sqlite-index/,
  /job-queue/,
  /packages\/cli\//,
  /node_modules\/(commander|cosmiconfig|ora)\//,
];

describe("the Lambda bundles", () => {
  let outdir: string;
  let sizes: BundleSize[];

  beforeAll(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), "zrec-bundles-"));
    sizes = await bundleHandlers({ outdir });
  });
  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it("makes one ESM file per handler", () => {
    expect(sizes.map((s) => s.name).sort()).toEqual([...HANDLER_NAMES].sort());
    for (const { name, loadBytes } of sizes) expect(loadBytes, name).toBeGreaterThan(1000);
  });

  it("leaves nothing in the built dist/handlers/ that Lambda could load instead of a bundle", async () => {
    const built = new URL("../dist/handlers/", import.meta.url);
    if (!existsSync(built)) return; // not built yet
    for (const file of await readdir(built, { recursive: true })) {
      expect(file).toMatch(/^(chunks|(chunks\/)?[^/]+\.mjs(\.map)?)$/);
    }
  });

  it("keeps the HTTP client, the Zoom client and the transfer engine out of the handlers that never call Zoom", () => {
    for (const name of ["webhook", "start-ingest", "reindex", "purge-old", "rebuild-db"]) {
      const inputs = sizes.find((s) => s.name === name)?.inputs ?? [];
      expect(inputs.length, name).toBeGreaterThan(10);
      expect(
        inputs.filter((input) =>
          /node_modules\/undici\/|core\/src\/(zoom\/(api|download)|transfer)\//.test(input),
        ),
        name,
      ).toEqual([]);
    }
  });

  it("holds neither SQLite nor CLI code", async () => {
    for (const { name, inputs } of sizes) {
      expect(inputs.length, name).toBeGreaterThan(10);
      // Core's SQLite modules are there only as the stubs that say why they are missing.
      const real = inputs.filter((input) => !input.startsWith("zrec-without-sqlite:"));
      for (const pattern of FORBIDDEN)
        expect(
          real.filter((input) => pattern.test(input)),
          name,
        ).toEqual([]);
      const text = await readFile(path.join(outdir, `${name}.mjs`), "utf8");
      expect(text.includes("better-sqlite3"), name).toBe(false);
    }
  });

  it("loads under plain Node and answers Zoom's url_validation from the webhook bundle", async () => {
    const script = `
      import { createHmac } from "node:crypto";
      const { handler } = await import(${JSON.stringify(path.join(outdir, "webhook.mjs"))});
      const body = JSON.stringify({ event: "endpoint.url_validation", event_ts: Date.now(), payload: { plainToken: "abc" } });
      const ts = String(Math.floor(Date.now() / 1000));
      const signature = "v0=" + createHmac("sha256", "secret").update("v0:" + ts + ":" + body).digest("hex");
      const result = await handler({
        version: "2.0", rawPath: "/ingest/zoom_webhook", isBase64Encoded: true,
        body: Buffer.from(body).toString("base64"),
        headers: { "x-zm-signature": signature, "x-zm-request-timestamp": ts },
      });
      console.log(JSON.stringify(result));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, ZOOM_WEBHOOK_SECRET_TOKEN: "secret" },
    });
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ plainToken: "abc" });
  });

  it("reports a configuration the Lambda cannot use as a zrec.Failed error naming the key", async () => {
    const script = `
      const { handler } = await import(${JSON.stringify(path.join(outdir, "reindex.mjs"))});
      try { await handler({}); } catch (error) { console.log(JSON.stringify({ name: error.name, message: error.message })); }`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, ZREC_CONFIG: '{"storage":{"type":"s3","bucket":"b"}}' },
    });
    const failure = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(failure).toEqual({ name: "zrec.Failed", message: expect.stringContaining('index.type "sqlite"') });
  });
});
