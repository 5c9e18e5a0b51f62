/**
 * The operator handlers (start-ingest, reindex, rebuild-db, purge-old, sweep-missed) configured through
 * environment variables only, against s3rver, dynalite and zoom-sim on 127.0.0.1; Step Functions is
 * answered at the HTTP level (nock) behind the real SDK client.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type Backends,
  closeBackends,
  createBackends,
  loadConfig,
  openPipeline,
  runIngest,
} from "@zrec/core";
import { ensureTable } from "@zrec/core/adapters/dynamodb-table";
import { type Dynalite, startDynalite } from "@zrec/test-utils/dynalite";
import { seedRecording } from "@zrec/test-utils/fixtures/site";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TOKEN_PREFIX } from "../src/download-token.js";
import { createHandler as purgeOld } from "../src/handlers/purge-old.js";
import { createHandler as rebuildDb } from "../src/handlers/rebuild-db.js";
import { createHandler as reindex } from "../src/handlers/reindex.js";
import { createHandler as siteBuilder } from "../src/handlers/site-builder.js";
import { createHandler as startIngest } from "../src/handlers/start-ingest.js";
import { createHandler as sweepMissed } from "../src/handlers/sweep-missed.js";
import { fakeAws } from "./support/fake-aws.js";

const SFN = "http://sfn.zrec.test";
const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:zrec-ingest";
const ARCHIVED = { uuid: "CnIDrQSsRdi9bWp3jyJsZQ==", id: "0a7203ad-04ac-45d8-bd6d-6a778f226c65" };
const MISSING = { uuid: "/bmsWqJaR9KtQ5zU/Vw32A==", id: "fdb9ac5a-a25a-47d2-ad43-9cd4fd5c37d8" };
const NOW = new Date("2024-07-20T12:00:00Z");
const ZOOM = {
  ZOOM_ACCOUNT_ID: "sim-account",
  ZOOM_CLIENT_ID: "sim-client",
  ZOOM_CLIENT_SECRET: "sim-secret",
};

const started = (request: { body: Record<string, unknown> }): [number, object] => [
  200,
  {
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:zrec-ingest:${request.body.name}`,
    startDate: 1.7e9,
  },
];

describe("operator handlers", () => {
  let s3: RunningS3rver;
  let dynamo: Dynalite;
  let sim: ZoomSim;
  let dir: string;
  let outbox: string;
  let env: Record<string, string>;
  let backends: Backends;
  let savedEnv: NodeJS.ProcessEnv;
  // One of each, as a warm Lambda container keeps them: each holds its backends open.
  let handlers: {
    startIngest: ReturnType<typeof startIngest>;
    reindex: ReturnType<typeof reindex>;
    rebuildDb: ReturnType<typeof rebuildDb>;
    purgeOld: ReturnType<typeof purgeOld>;
    sweepMissed: ReturnType<typeof sweepMissed>;
  };
  const messages = async () =>
    (await readFile(outbox, "utf8").catch(() => ""))
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "zrec-lambda-ops-"));
    outbox = path.join(dir, "outbox.jsonl");
    s3 = await startS3rver();
    dynamo = await startDynalite();
    sim = await startZoomSim();
    savedEnv = { ...process.env };
    Object.assign(process.env, s3.env, { AWS_ENDPOINT_URL_SFN: SFN });
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    // The handlers' JSON lines (log.ts), kept out of the test output.
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);

    const bucket = `zrec-${randomUUID().slice(0, 8)}`;
    const table = `zrec-${randomUUID().slice(0, 8)}`;
    await s3.createBucket(bucket);
    await ensureTable(dynamo.client(), table);
    const config = {
      zoom: { apiBaseUrl: sim.apiBaseUrl, oauthUrl: sim.oauthUrl, allowedDownloadHosts: ["127.0.0.1"] },
      storage: s3.storageConfig(bucket),
      index: { type: "dynamodb", table, region: s3.region, endpoint: dynamo.endpoint },
      notify: { type: "outbox", path: outbox },
    };
    env = { ...ZOOM, ZREC_CONFIG: JSON.stringify(config), ZREC_STATE_MACHINE_ARN: STATE_MACHINE };

    // One recording archived (in process), one only in Zoom.
    for (const [meeting, topic] of [
      [ARCHIVED, "FOLIO weekly"],
      [MISSING, "VuFind sync"],
    ] as const) {
      sim.addMeeting({
        uuid: meeting.uuid,
        topic,
        startTime: "2024-07-04T17:02:30Z",
        durationMinutes: 30,
        files: [{ fileType: "M4A", size: 50_000 }],
      });
    }
    const pipeline = await openPipeline(loadConfig(config, { env: ZOOM }));
    await runIngest(sim.recordingEvent(ARCHIVED.uuid), pipeline.deps).finally(() => pipeline.close());
    backends = await createBackends(loadConfig(config, { env: ZOOM }));
    const clock = { now: () => NOW };
    handlers = {
      startIngest: startIngest(env, clock),
      reindex: reindex(env),
      rebuildDb: rebuildDb(env),
      purgeOld: purgeOld(env, clock),
      sweepMissed: sweepMissed(env, clock),
    };
  });

  afterAll(async () => {
    await closeBackends(backends).catch(() => {});
    nock.cleanAll();
    nock.enableNetConnect();
    vi.restoreAllMocks();
    process.env = savedEnv;
    await sim?.close();
    await dynamo?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("start-ingest starts a new execution for a webhook JSON each time it is asked", async () => {
    const requests = fakeAws(SFN, started);
    const event = sim.recordingEvent(ARCHIVED.uuid);
    const result = await handlers.startIngest(event);
    expect(result).toMatchObject({ status: "started", recording_id: ARCHIVED.id });
    expect(requests[0]?.body.name).toBe(`${ARCHIVED.id}-manual-${NOW.getTime()}`);
    // An event file's download token is kept in the bucket, as the webhook keeps Zoom's (#12).
    const name = String(requests[0]?.body.name);
    const { download_token: token, ...rest } = event;
    expect(typeof token).toBe("string");
    expect(JSON.parse(String(requests[0]?.body.input))).toEqual({ ...rest, download_token_ref: name });
    const stored = await backends.store.get(`${TOKEN_PREFIX}${name}`);
    expect(Buffer.from(stored ?? []).toString("utf8")).toBe(token);

    await expect(handlers.startIngest({ event: "meeting.started" })).rejects.toMatchObject({
      name: "zrec.Failed",
      message: expect.stringMatching(/^INPUT_INVALID: The event is not a recording event/),
    });
  });

  it("reindex replaces the document and the row, and announces it again", async () => {
    const document = await backends.index.get(ARCHIVED.id);
    const edited = { ...document, meeting_topic: "FOLIO weekly (edited)" };
    const result = await handlers.reindex(edited);
    expect(result).toEqual({
      recording_id: ARCHIVED.id,
      document_key: `${ARCHIVED.id}/recording_document.json`,
      notified: true,
    });
    expect((await backends.index.get(ARCHIVED.id))?.meeting_topic).toBe("FOLIO weekly (edited)");
    expect((await messages()).map((m) => m.event)).toEqual(["ingested", "reindexed"]);

    await expect(handlers.reindex({ ...edited, recording_id: randomUUID() })).rejects.toMatchObject({
      name: "zrec.Failed",
      message: expect.stringMatching(/^NOT_FOUND: /),
    });
  });

  it("rebuild-db puts a lost row back from the bucket", async () => {
    await backends.index.delete(ARCHIVED.id);
    const dry = await handlers.rebuildDb({ dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, scanned: 1, indexed: 1 });
    expect(await backends.index.get(ARCHIVED.id)).toBeUndefined();
    // A schedule without Input sends EventBridge's event: its keys are not options.
    const report = await handlers.rebuildDb({
      "detail-type": "Scheduled Event",
      source: "aws.events",
      detail: {},
    });
    expect(report).toMatchObject({ dryRun: false, scanned: 1, indexed: 1, bad: [] });
    expect((await backends.index.get(ARCHIVED.id))?.meeting_topic).toBe("FOLIO weekly (edited)");
  });

  it("purge-old reports by default and deletes what is due with execute", async () => {
    const document = await backends.index.get(ARCHIVED.id);
    await handlers.reindex({ ...document, disposition: { action: "delete", after: "2024-07-10" } });
    const handler = handlers.purgeOld;

    const preview = await handler({});
    expect(preview).toMatchObject({ executed: false, deleted: 0 });
    expect(preview.candidates.map((c) => c.recording_id)).toEqual([ARCHIVED.id]);
    expect(await backends.index.get(ARCHIVED.id)).toBeDefined();

    const done = await handler({ execute: true });
    expect(done).toMatchObject({ executed: true, deleted: 1, failed: 0 });
    expect(await backends.index.get(ARCHIVED.id)).toBeUndefined();
    expect(await backends.store.head(`${ARCHIVED.id}/recording_document.json`)).toBeUndefined();
    expect((await messages()).at(-1)).toMatchObject({ event: "deleted", recording_id: ARCHIVED.id });

    await expect(handler({ execute: "yes" })).rejects.toMatchObject({ name: "zrec.Failed" });
  });

  it("sweep-missed starts one execution per recording the archive lacks, once a day", async () => {
    const window = { from: "2024-07-01", to: "2024-07-10" };
    const dry = await handlers.sweepMissed({ ...window, dryRun: true });
    expect(dry.executions).toEqual([]);
    expect(dry.counts["would-ingest"]).toBe(2); // the purged one is missing again, and the never-archived one

    const requests = fakeAws(SFN, started, { times: 2 });
    const report = await handlers.sweepMissed(window);
    expect(report.failures).toEqual([]);
    expect(report.executions.map((e) => e.status)).toEqual(["started", "started"]);
    const names = requests.map((r) => String(r.body.name)).sort();
    expect(names).toEqual([`${ARCHIVED.id}-sweep-2024-07-20`, `${MISSING.id}-sweep-2024-07-20`].sort());
    const input = JSON.parse(
      String(requests.find((r) => String(r.body.name).startsWith(MISSING.id))?.body.input),
    );
    expect(input).toMatchObject({
      event: "recording.completed",
      event_ts: NOW.getTime(),
      payload: { account_id: "sim-account", object: { uuid: MISSING.uuid } },
    });
    expect(input.payload.object.recording_files).toHaveLength(1);
    expect(input).not.toHaveProperty("download_token");
  });

  it("site-builder updates the website in the bucket from a batch of notifications, purges included", async () => {
    const build = siteBuilder(env);
    const doc = await seedRecording(backends, {
      topic: "FOLIO site on Lambda",
      organization: "FOLIO",
      start: "2024-07-05T15:00:00Z",
      said: [[4, "Ada: the lambda builds the pages"]],
    });
    const notification = (event: string) => ({
      Records: [{ messageAttributes: { event: { stringValue: event, dataType: "String" } } }],
    });
    const page = `site/rec/${doc.recording_id}.html`;
    const first = await build(notification("ingested") as never);
    expect(first).toMatchObject({ built: expect.any(Number), withdrawn: 0 });
    expect(Buffer.from((await backends.store.get(page)) ?? []).toString()).toContain("FOLIO site on Lambda");
    expect(await backends.store.head("site/index.html")).toBeDefined();

    // As purge-old leaves it: the document gone from the store and the index (an index emptied while
    // the store keeps its documents is a lost index, which the builder refuses to publish).
    await backends.store.delete(`${doc.recording_id}/recording_document.json`);
    await backends.index.delete(doc.recording_id);
    expect(await build(notification("deleted") as never)).toMatchObject({ built: 0, withdrawn: 1 });
    expect(await backends.store.head(page)).toBeUndefined();
  });
});
