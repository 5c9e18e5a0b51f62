import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Dynalite, startDynalite } from "@zrec/test-utils/dynalite";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureTable } from "../adapters/dynamodb-table.js";
import { createFsStore } from "../adapters/fs-store.js";
import { createS3Store } from "../adapters/s3-store.js";
import { loadConfig } from "../config/load.js";
import type { ObjectStore } from "../ports.js";
import { type DoctorCheck, runDoctor } from "./doctor.js";
import { setupBackends } from "./setup.js";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;
const byName = (checks: DoctorCheck[]) => Object.fromEntries(checks.map((c) => [c.check, c]));
const keysUnder = async (store: ObjectStore, prefix: string) => {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
};
const tempDir = () => mkdtemp(path.join(tmpdir(), "zrec-doctor-"));

let sim: Sim;
beforeAll(async () => {
  sim = await startZoomSim();
});
afterAll(async () => {
  await sim?.close();
});

function zoomBlock(secrets: Record<string, string>) {
  const account = sim.accounts[0];
  if (!account) throw new Error("zoom-sim has no account");
  const accounts = Object.fromEntries(
    Object.entries(secrets).map(([name, clientSecret]) => [
      name,
      { accountId: account.accountId, clientId: account.clientId, clientSecret },
    ]),
  );
  return { accounts, apiBaseUrl: sim.apiBaseUrl, oauthUrl: sim.oauthUrl };
}

describe("runDoctor on the embedded backends", () => {
  it("before anything exists: warns of the store and the webhook secret, fails without a Zoom account, creates nothing", async () => {
    const dir = await tempDir();
    const seen: string[] = [];
    const checks = await runDoctor(loadConfig(undefined, { baseDir: dir, env: {} }), {
      onCheck: (check) => seen.push(check.check),
    });
    expect(checks.map((c) => [c.check, c.ok, c.skipped ?? false, c.warning ?? false])).toEqual([
      ["credentials", true, true, false],
      ["storage", true, false, true],
      ["index", true, false, false],
      ["notify", true, false, false],
      ["zoom", false, false, false],
      ["webhook", true, false, true],
    ]);
    expect(seen).toEqual(checks.map((c) => c.check));
    expect(byName(checks).storage?.detail).toBe(
      `${path.join(dir, "zrec-data")} does not exist yet (zrec setup creates it; ${dir} is writable)`,
    );
    expect(byName(checks).zoom?.detail).toMatch(/^No Zoom account is configured/);
    expect(byName(checks).zoom?.suggestion).toMatch(/ZOOM_CLIENT_SECRET/);
    expect(byName(checks).webhook?.suggestion).toMatch(/ZOOM_WEBHOOK_SECRET_TOKEN/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails the storage line when the root is missing but the index exists (a mistyped storage.root)", async () => {
    const dir = await tempDir();
    await setupBackends(loadConfig(undefined, { baseDir: dir, env: {} }));
    const typo = loadConfig(
      { storage: { type: "fs", root: "./zrec-dta" } },
      { baseDir: dir, env: { ZOOM_WEBHOOK_SECRET_TOKEN: "a-secret-token-value" } },
    );
    const checks = byName(await runDoctor(typo));
    expect(checks.storage).toMatchObject({ ok: false });
    expect(checks.storage?.detail).toMatch(/zrec-dta \(storage\.root\) does not exist, but the index does$/);
    expect(checks.webhook).toMatchObject({ ok: true });
    expect(checks.webhook?.warning).toBeUndefined();
    expect(await readdir(dir)).toEqual(["zrec-data"]);
  });

  it("writes, reads and deletes a probe object in an existing folder, leaving no key behind", async () => {
    const dir = await tempDir();
    const config = loadConfig({ notify: { type: "none" } }, { baseDir: dir, env: {} });
    await setupBackends(config);
    const checks = byName(await runDoctor(config));
    expect(checks.storage?.detail).toMatch(
      /: wrote, read back and deleted \.zrec-doctor\/probe-[0-9a-f-]+\.txt$/,
    );
    expect(checks.index?.detail).toMatch(/^SQLite .*index\.db: looked up a random recording id$/);
    expect(checks.notify).toMatchObject({ ok: true, skipped: true, detail: "skipped: notify.type is none" });
    const root = config.storage.type === "fs" ? config.storage.root : "";
    expect(await keysUnder(createFsStore({ root }), "")).toEqual(["index.db"]);
    expect(await readdir(root)).not.toContain(".zrec-doctor");
  });

  it("fails the index line for a file that is not a zrec index, and still runs the others", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "index.db"), "not a database, just text that is long enough to be read");
    const config = loadConfig({ index: { type: "sqlite", path: "index.db" } }, { baseDir: dir, env: {} });
    const checks = byName(await runDoctor(config));
    expect(checks.index).toMatchObject({ ok: false });
    expect(checks.index?.detail).toMatch(/^SQLite .*index\.db: opening the index failed/);
    expect(checks.notify?.ok).toBe(true);
  });
});

describe("runDoctor's Zoom checks", () => {
  it("gets a token for each account; a wrong secret fails only its line and is never shown", async () => {
    const wrong = "wrong-secret-that-must-not-show";
    const account = sim.accounts[0];
    const config = loadConfig(
      { zoom: zoomBlock({ default: account?.clientSecret ?? "", other: wrong }) },
      { baseDir: await tempDir(), env: {} },
    );
    const checks = byName(await runDoctor(config));
    expect(checks["zoom.accounts.default"]).toEqual({
      check: "zoom.accounts.default",
      ok: true,
      detail: "Zoom issued an OAuth token for account default",
    });
    expect(checks["zoom.accounts.other"]).toMatchObject({ ok: false });
    expect(checks["zoom.accounts.other"]?.detail).toMatch(/^Zoom refused the credentials of account/);
    expect(checks["zoom.accounts.other"]?.suggestion).toMatch(/clientSecret/);
    expect(JSON.stringify(checks)).not.toContain(wrong);
    for (const token of sim.issuedAccessTokens()) expect(JSON.stringify(checks)).not.toContain(token);
  });
});

describe("runDoctor on S3 and DynamoDB (s3rver, dynalite)", () => {
  let s3: RunningS3rver;
  let dynamo: Dynalite;
  const bucket = `doctor-${randomUUID().slice(0, 8)}`;
  const table = `doctor-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startS3rver({ buckets: [bucket] }), startDynalite()]);
    await ensureTable(dynamo.client(), table);
    for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3?.close();
    await dynamo?.close();
  });

  const configFor = async (overrides: { bucket?: string; table?: string; profile?: string } = {}) =>
    loadConfig(
      {
        storage: { ...s3.storageConfig(overrides.bucket ?? bucket, "archive"), profile: overrides.profile },
        index: { type: "dynamodb", table: overrides.table ?? table, endpoint: dynamo.endpoint },
        notify: { type: "none" },
      },
      { baseDir: await tempDir(), env: {} },
    );

  it("is ok, and leaves no probe object or upload behind", async () => {
    const checks = byName(await runDoctor(await configFor()));
    expect(checks.credentials).toEqual({
      check: "credentials",
      ok: true,
      detail: "AWS credentials found in the default chain (for storage, index)",
    });
    expect(checks.storage?.detail).toMatch(
      new RegExp(`^s3://${bucket}/archive/: wrote, read back and deleted \\.zrec-doctor/probe-`),
    );
    expect(checks.index?.detail).toBe(`DynamoDB table ${table}: looked up a random recording id`);
    const store = createS3Store({ client: s3.client(), bucket, prefix: "archive" });
    expect(await keysUnder(store, ".zrec-doctor/")).toEqual([]);
    expect(await s3.pendingUploads(bucket)).toEqual([]);
  });

  it("says why when the bucket or the table is missing, and what to do", async () => {
    const checks = byName(
      await runDoctor(await configFor({ bucket: "missing-bucket", table: "missing-table" })),
    );
    expect(checks.storage).toMatchObject({ ok: false, suggestion: expect.stringMatching(/zrec setup/) });
    expect(checks.storage?.detail).toMatch(
      /^s3:\/\/missing-bucket\/archive\/: writing .* failed: NoSuchBucket/,
    );
    expect(checks.index).toMatchObject({ ok: false, suggestion: expect.stringMatching(/zrec setup/) });
    expect(checks.index?.detail).toMatch(/^DynamoDB table missing-table: .*the table does not exist/);
  });

  it("checks each profile apart, and names one that is not in the AWS config files", async () => {
    const home = await tempDir();
    await writeFile(path.join(home, "config"), "");
    await writeFile(path.join(home, "credentials"), "");
    vi.stubEnv("AWS_CONFIG_FILE", path.join(home, "config"));
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", path.join(home, "credentials"));
    const checks = await runDoctor(await configFor({ profile: "ghost" }));
    const credentials = checks.filter((c) => c.check === "credentials");
    expect(credentials.map((c) => [c.ok, c.detail.split(":")[0]])).toEqual([
      [false, "No AWS credentials from profile ghost (for storage)"],
      [true, "AWS credentials found in the default chain (for index)"],
    ]);
    expect(byName(checks).storage?.ok).toBe(false);
  });
});
