/**
 * `zrec setup` end to end: on an s3rver with no bucket and a dynalite with no table, it creates both, an
 * ingest then works, and running it again changes nothing; on the embedded default it makes the folders
 * and the database.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeWorkspace, runZrec } from "@zrec/test-utils/cli";
import { type Dynalite, startDynalite } from "@zrec/test-utils/dynalite";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { useZoomSim } from "@zrec/test-utils/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MiB = 1024 * 1024;

const sim = useZoomSim();

describe("zrec setup on AWS backends that do not exist yet", () => {
  let s3: RunningS3rver;
  let dynamo: Dynalite;
  const bucket = `zrec-setup-${randomUUID().slice(0, 8)}`;
  const table = `zrec-setup-${randomUUID().slice(0, 8)}`;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;

  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startS3rver(), startDynalite()]);
    const config = {
      storage: s3.storageConfig(bucket, "archive"),
      index: { type: "dynamodb", table, region: s3.region, endpoint: dynamo.endpoint },
    };
    ws = await makeWorkspace(sim(), { ingest: { partSizeMiB: 5 } }, { config, env: s3.env });
  });
  afterAll(async () => {
    await s3?.close();
    await dynamo?.close();
  });

  it("creates the bucket and the table, then an ingest works", async () => {
    const run = await runZrec(["setup", "--json"], { cwd: ws.dir, env: ws.env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
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
      { backend: "notify", resource: `folder ${ws.dataDir} (for outbox.jsonl)`, outcome: "created" },
    ]);

    const meeting = sim().addMeeting({
      topic: "OLF board",
      startTime: "2025-03-01T15:00:00Z",
      durationMinutes: 40,
      files: [{ fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size: 7 * MiB }],
    });
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim().recordingEvent(meeting.uuid)));
    const ingest = await runZrec(["ingest", "webhook.json", "--json"], { cwd: ws.dir, env: ws.env });
    expect(ingest.stderr).toBe("");
    expect(JSON.parse(ingest.stdout)).toMatchObject({
      status: "ingested",
      recording_id: meeting.recordingId,
    });
    const listed = await runZrec(["list", "--json"], { cwd: ws.dir, env: ws.env });
    expect(JSON.parse(listed.stdout).map((d: { recording_id: string }) => d.recording_id)).toEqual([
      meeting.recordingId,
    ]);
  });

  it("changes nothing when run again, and says so on every line", async () => {
    const run = await runZrec(["setup"], { cwd: ws.dir, env: ws.env });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe("Setting up the backends of zrec.config.json");
    expect(lines.slice(1)).toEqual([
      `exists   storage  bucket ${bucket} (us-east-1)`,
      `skipped  storage  block public access on ${bucket} (not supported by this endpoint)`,
      `skipped  storage  default encryption on ${bucket} (not supported by this endpoint)`,
      `skipped  storage  lifecycle rule on ${bucket} (not supported by this endpoint)`,
      `exists   index    DynamoDB table ${table} (3 indexes)`,
      `exists   notify   folder ${ws.dataDir} (for outbox.jsonl)`,
    ]);
    const listed = await runZrec(["list", "--json"], { cwd: ws.dir, env: ws.env });
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
  });

  it("names the bucket and the call when the bucket cannot be created, exit 1", async () => {
    const bad = await makeWorkspace(
      sim(),
      {},
      { config: { storage: s3.storageConfig("Not_A_Bucket_Name", "") }, env: s3.env },
    );
    const run = await runZrec(["setup"], { cwd: bad.dir, env: bad.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^zrec: S3 bucket Not_A_Bucket_Name: CreateBucket failed: InvalidBucketName/);
    // Nothing after the failing backend was touched.
    expect(existsSync(join(bad.dataDir, "index.db"))).toBe(false);
  });
});

describe("zrec setup on the embedded default", () => {
  it("makes the data folder, the SQLite database and the outbox folder; again, all exist", async () => {
    const ws = await makeWorkspace(sim());
    const first = await runZrec(["setup", "--json"], { cwd: ws.dir, env: ws.env });
    expect(first.code).toBe(0);
    const outcomes = (run: typeof first) =>
      (JSON.parse(run.stdout) as { backend: string; outcome: string }[]).map(
        (s) => `${s.backend} ${s.outcome}`,
      );
    // The outbox lives in the data folder, which the storage step has just made.
    expect(outcomes(first)).toEqual(["storage created", "index created", "notify exists"]);
    expect(existsSync(join(ws.dataDir, "index.db"))).toBe(true);
    const again = await runZrec(["setup", "--json"], { cwd: ws.dir, env: ws.env });
    expect(outcomes(again)).toEqual(["storage exists", "index exists", "notify exists"]);
    const listed = await runZrec(["list", "--json"], { cwd: ws.dir, env: ws.env });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});
