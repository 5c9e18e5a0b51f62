import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Dynalite, startDynalite } from "@zrec/test-utils/dynalite";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureTable } from "../adapters/dynamodb-table.js";
import { loadConfig } from "../config/load.js";
import { BackendError } from "../errors.js";
import { type SetupStep, setupBackends } from "./setup.js";

const outcomes = (steps: SetupStep[]) => steps.map((s) => `${s.backend} ${s.outcome}`);

describe("setupBackends on the embedded backends", () => {
  it("makes the data folder, the database and the outbox folder; a second run finds them", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-setup-"));
    const config = loadConfig(
      { storage: { type: "fs", root: "data" }, notify: { type: "outbox", path: "out/box.jsonl" } },
      { baseDir: dir, env: {} },
    );
    const seen: string[] = [];
    const steps = await setupBackends(config, { onStep: (step) => seen.push(step.resource) });
    expect(steps).toEqual([
      { backend: "storage", resource: `folder ${path.join(dir, "data")}`, outcome: "created" },
      {
        backend: "index",
        resource: `SQLite database ${path.join(dir, "zrec-data", "index.db")}`,
        outcome: "created",
      },
      {
        backend: "notify",
        resource: `folder ${path.join(dir, "out")} (for box.jsonl)`,
        outcome: "created",
      },
    ]);
    expect(seen).toEqual(steps.map((s) => s.resource));
    expect(existsSync(path.join(dir, "zrec-data", "index.db"))).toBe(true);
    expect(outcomes(await setupBackends(config))).toEqual([
      "storage exists",
      "index exists",
      "notify exists",
    ]);
  });

  it("skips notifications when notify.type is none", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-setup-"));
    const steps = await setupBackends(loadConfig({ notify: { type: "none" } }, { baseDir: dir, env: {} }));
    expect(steps.at(-1)).toEqual({
      backend: "notify",
      resource: "notifications",
      outcome: "skipped",
      detail: "notify.type is none",
    });
  });

  it("names the folder it cannot create", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-setup-"));
    await writeFile(path.join(dir, "zrec-data"), "a file where the folder should be");
    const error = await setupBackends(loadConfig(undefined, { baseDir: dir, env: {} })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "STORE_FAILED" });
    expect((error as Error).message).toMatch(
      new RegExp(`^Folder ${path.join(dir, "zrec-data")} could not be created: EEXIST`),
    );
  });

  it("refuses a database file that is not a zrec index, naming it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-setup-"));
    const file = path.join(dir, "index.db");
    await writeFile(file, "not a database at all, but long enough to look like a header to nobody");
    const config = loadConfig({ index: { type: "sqlite", path: "index.db" } }, { baseDir: dir, env: {} });
    await expect(setupBackends(config)).rejects.toThrow(`SQLite ${file}`);
  });
});

describe("setupBackends on S3 and DynamoDB (s3rver, dynalite)", () => {
  let s3: RunningS3rver;
  let dynamo: Dynalite;

  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startS3rver(), startDynalite()]);
    // The adapters build their own clients, which take credentials from the default chain.
    for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3?.close();
    await dynamo?.close();
  });

  it("creates the bucket and the table with its indexes, then finds them", async () => {
    const bucket = `setup-${randomUUID().slice(0, 8)}`;
    const table = `setup-${randomUUID().slice(0, 8)}`;
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-setup-"));
    const config = loadConfig(
      {
        storage: s3.storageConfig(bucket, "archive"),
        index: { type: "dynamodb", table, endpoint: dynamo.endpoint },
        notify: { type: "none" },
      },
      { baseDir: dir, env: {} },
    );
    const steps = await setupBackends(config);
    expect(steps.slice(0, 5)).toEqual([
      { backend: "storage", resource: `bucket ${bucket} (us-east-1)`, outcome: "created" },
      {
        backend: "storage",
        resource: `block public access on ${bucket}`,
        outcome: "skipped",
        detail: "not supported by this endpoint",
      },
      {
        backend: "storage",
        resource: `default encryption on ${bucket}`,
        outcome: "skipped",
        detail: "not supported by this endpoint",
      },
      {
        backend: "storage",
        resource: `lifecycle rule on ${bucket}`,
        outcome: "skipped",
        detail: "not supported by this endpoint",
      },
      { backend: "index", resource: `DynamoDB table ${table} (3 indexes)`, outcome: "created" },
    ]);
    // ensureTable checks the layout of a table it finds: the indexes are there.
    expect(await ensureTable(dynamo.client(), table)).toBe("exists");
    expect(outcomes(await setupBackends(config))).toEqual([
      "storage exists",
      "storage skipped",
      "storage skipped",
      "storage skipped",
      "index exists",
      "notify skipped",
    ]);
  });
});
