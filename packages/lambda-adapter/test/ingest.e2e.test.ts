/**
 * The generated state machine, executed by a local Amazon States Language interpreter whose task
 * states call the real handlers (configured only through environment variables) against s3rver,
 * dynalite and zoom-sim. Its end state must equal what the in-process `runIngest` leaves.
 */
import "./support/promise-with-resolvers.js";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import {
  type Backends,
  closeBackends,
  createBackends,
  loadConfig,
  openPipeline,
  type RecordingDocument,
  runIngest,
} from "@zrec/core";
import { ensureTable } from "@zrec/core/adapters/dynamodb-table";
import { type Dynalite, startDynalite } from "@zrec/test-utils/dynalite";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { type SimFileSpec, type SimMeetingSpec, startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import { ExecutionError, type RunOptions, StateMachine } from "aws-local-stepfunctions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { objectTokenStore, TOKEN_PREFIX } from "../src/download-token.js";
import { executionStarter } from "../src/execution.js";
import { createHandler as finishIngest } from "../src/handlers/finish-ingest.js";
import { createHandler as ingestMetadata } from "../src/handlers/ingest-metadata.js";
import { createHandler as retrieveRecording } from "../src/handlers/retrieve-recording.js";
import { stateMachineDefinition, TASK_FUNCTIONS, type TaskStateName } from "../src/state-machine.js";
import { lambdaContext } from "./support/lambda.js";

const MiB = 1024 * 1024;
const UUID = "/bmsWqJaR9KtQ5zU/Vw32A==";
const RECORDING_ID = "fdb9ac5a-a25a-47d2-ad43-9cd4fd5c37d8";
const FAILING_UUID = "CnIDrQSsRdi9bWp3jyJsZQ==";
const FAILING_ID = "0a7203ad-04ac-45d8-bd6d-6a778f226c65";
const PREFIX = "archive";

type LocalHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

// Fixed ids, so that two simulators serve byte-identical files and the same parent meeting.
const MEETING: SimMeetingSpec = {
  uuid: UUID,
  id: 81234567890,
  topic: "(OLF) Board meeting",
  hostId: "host-1",
  startTime: "2024-07-04T17:02:30Z",
  durationMinutes: 62,
  password: "s3cret-pass",
  files: [
    { id: "file-mp4-1", fileType: "MP4", size: 12 * MiB + 777, recordingStart: "2024-07-04T17:03:00Z" },
    { id: "file-mp4-2", fileType: "MP4", size: 2 * MiB + 5, recordingStart: "2024-07-04T17:40:00Z" },
    { id: "file-m4a", fileType: "M4A", size: 3 * MiB + 1, recordingStart: "2024-07-04T17:03:00Z" },
    { id: "file-timeline", fileType: "TIMELINE", size: 20_000, recordingStart: "2024-07-04T17:03:00Z" },
    { id: "file-cc", fileType: "CC", size: 9_000, recordingStart: "2024-07-04T17:03:00Z" },
  ],
};

interface Side {
  sim: ZoomSim;
  bucket: string;
  table: string;
  outbox: string;
  config: Record<string, unknown>;
}

describe("the ingest state machine on the real handlers", () => {
  let s3: RunningS3rver;
  let dynamo: Dynalite;
  let dir: string;
  let remote: Side;
  let local: Side;
  let savedEnv: NodeJS.ProcessEnv;
  let tasks: Record<TaskStateName, (input: unknown) => Promise<unknown>>;
  const opened: Backends[] = [];
  const logged: string[] = [];

  const side = async (name: string): Promise<Side> => {
    const sim = await startZoomSim();
    sim.addUser({ id: "host-1", email: "host@example.org" });
    sim.addMeeting(MEETING);
    const bucket = `zrec-${name}-${randomUUID().slice(0, 8)}`;
    const table = `zrec-${name}-${randomUUID().slice(0, 8)}`;
    await s3.createBucket(bucket);
    await ensureTable(dynamo.client(), table);
    const outbox = path.join(dir, `${name}-outbox.jsonl`);
    const config = {
      zoom: { apiBaseUrl: sim.apiBaseUrl, oauthUrl: sim.oauthUrl, allowedDownloadHosts: ["127.0.0.1"] },
      storage: s3.storageConfig(bucket, PREFIX),
      index: { type: "dynamodb", table, region: s3.region, endpoint: dynamo.endpoint },
      notify: { type: "outbox", path: outbox },
      ingest: { trashAfterIngest: true, fileConcurrency: 2, partSizeMiB: 5 },
    };
    return { sim, bucket, table, outbox, config };
  };
  const zoomSecrets = {
    ZOOM_ACCOUNT_ID: "sim-account",
    ZOOM_CLIENT_ID: "sim-client",
    ZOOM_CLIENT_SECRET: "sim-secret",
  };
  const open = async (s: Side) => {
    const backends = await createBackends(loadConfig(s.config, { env: zoomSecrets }));
    opened.push(backends);
    return backends;
  };

  /** Runs the generated definition, each task through JSON as Step Functions would carry it. */
  const execute = async (input: unknown, name = `run-${randomUUID()}`) => {
    const machine = new StateMachine(stateMachineDefinition({ fileConcurrency: 2 }) as never);
    const names = Object.keys(TASK_FUNCTIONS) as TaskStateName[];
    const execution = machine.run(input as never, {
      context: { Execution: { Name: name, Input: input as never } },
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          names.map((name) => [name, async (taskInput: unknown) => json(await tasks[name](json(taskInput)))]),
        ) as unknown as LocalHandlers,
        retryIntervalOverrides: Object.fromEntries(names.map((name) => [name, 0])),
      },
    });
    const events: EventLog[] = [];
    const collecting = (async () => {
      for await (const event of execution.eventLogs) events.push(event);
    })();
    try {
      return { output: await execution.result, events };
    } catch (error) {
      return { error, events };
    } finally {
      await collecting.catch(() => {});
    }
  };

  /**
   * As the webhook starts an ingest: the real starter, its token kept in the remote bucket, and the
   * StartExecution request it sends run by the local interpreter under the execution's name.
   */
  const startAndExecute = async (
    event: { download_token?: string },
    beforeRun: (ref: string) => Promise<void> = async () => {},
  ) => {
    let request: StartExecutionCommand["input"] | undefined;
    const sfn = {
      send: async (command: StartExecutionCommand) => {
        request = command.input;
        return { executionArn: `arn:aws:states:us-east-1:123456789012:execution:zrec:${command.input.name}` };
      },
    } as unknown as SFNClient;
    const tokens = objectTokenStore((await open(remote)).store);
    const start = executionStarter(
      { ZREC_STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:zrec" },
      { client: sfn, tokens: async () => tokens },
    );
    const started = await start(event as never, { kind: "webhook" });
    const input = JSON.parse(request?.input ?? "null") as Record<string, unknown>;
    const tokenKey = `${TOKEN_PREFIX}${started.execution_name}`;
    const storedToken = await tokens.get(started.execution_name);
    await beforeRun(started.execution_name);
    return { input, tokenKey, storedToken, ...(await execute(input, started.execution_name)) };
  };

  beforeAll(async () => {
    // The handlers write their JSON lines to stdout (log.ts).
    vi.spyOn(process.stdout, "write").mockImplementation((line: string | Uint8Array) => {
      logged.push(String(line));
      return true;
    });
    dir = await mkdtemp(path.join(tmpdir(), "zrec-lambda-e2e-"));
    s3 = await startS3rver();
    dynamo = await startDynalite();
    // The handlers' AWS clients take credentials from the SDK's default chain, as on Lambda.
    savedEnv = { ...process.env };
    Object.assign(process.env, s3.env);
    [remote, local] = [await side("remote"), await side("local")];

    const env = { ...zoomSecrets, ZREC_CONFIG: JSON.stringify(remote.config) };
    const context = lambdaContext();
    const stage = (handler: (input: never, context: never) => Promise<unknown>) => (input: unknown) =>
      handler(input as never, context as never);
    tasks = {
      IngestMetadata: stage(ingestMetadata(env)),
      RetrieveRecording: stage(retrieveRecording(env)),
      RetrieveRecordingWithOAuth: stage(retrieveRecording(env)),
      RetrieveRecordingWithInlineToken: stage(retrieveRecording(env)),
      FinishIngest: stage(finishIngest(env)),
    };
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const backends of opened) await closeBackends(backends).catch(() => {});
    await remote?.sim.close();
    await local?.sim.close();
    await dynamo?.close();
    await s3?.close();
    process.env = savedEnv;
    await rm(dir, { recursive: true, force: true });
  });

  it("reaches the same end state as the in-process runIngest", async () => {
    const event = remote.sim.recordingEvent(UUID);
    const token = event.download_token ?? "";
    expect(token).not.toBe("");
    const { output, error, events, input, tokenKey, storedToken } = await startAndExecute(event);
    expect(error).toBeUndefined();
    // The token is kept in the bucket by reference: neither the execution's input nor any state's
    // input or output (its history) holds it, and FinishIngest deleted it.
    expect(storedToken).toBe(token);
    expect(input.download_token).toBeUndefined();
    expect(typeof input.download_token_ref).toBe("string");
    expect(JSON.stringify(events)).not.toContain(token);
    expect(events.some((e) => e.type === "StateEntered" && e.state.name === "RetrieveRecording")).toBe(true);
    expect(await (await open(remote)).store.head(tokenKey)).toBeUndefined();
    // The files Zoom's API lists by id come from the API's URL with the account's OAuth token (#12); the
    // two it lists without one (CC, TIMELINE) from the event's URL with its download token, read back
    // from the bucket.
    const downloads = remote.sim.requests.filter((r) => r.server === "api" && r.path.startsWith("/rec/"));
    const byEvent = downloads.filter((r) => r.path.startsWith("/rec/webhook_download/"));
    const byApi = downloads.filter((r) => r.path.startsWith("/rec/download/"));
    expect(byEvent.length).toBeGreaterThanOrEqual(2);
    expect(byApi.length).toBeGreaterThanOrEqual(3);
    expect(byEvent.length + byApi.length).toBe(downloads.length);
    expect(new Set(byEvent.map((r) => r.authorizationKind))).toEqual(new Set(["bearer-download-token"]));
    expect(new Set(byApi.map((r) => r.authorizationKind))).toEqual(new Set(["bearer-oauth"]));
    // The handlers log each file, and never the download token.
    expect(logged.filter((line) => line.includes('"file-done"'))).toHaveLength(5);
    expect(logged.join("\n")).not.toContain(token);

    const pipeline = await openPipeline(loadConfig(local.config, { env: zoomSecrets }));
    const result = await runIngest(local.sim.recordingEvent(UUID), pipeline.deps).finally(() =>
      pipeline.close(),
    );
    expect(output).toEqual({
      recording_id: RECORDING_ID,
      recording_path: result.recording_path,
      document_key: result.document_key,
      files: 5,
      notified: true,
      trashed: "trashed",
    });

    const [remoteBackends, localBackends] = [await open(remote), await open(local)];
    // Objects: the same keys, the same bytes (JSON compared with the run-specific values masked).
    const remoteObjects = await objects(remoteBackends, remote);
    expect(Object.keys(remoteObjects)).toHaveLength(14);
    expect(remoteObjects).toEqual(await objects(localBackends, local));
    for (const file of MEETING.files) {
      expect(await remote.sim.expectedSha256(file.id ?? "")).toBe(
        await local.sim.expectedSha256(file.id ?? ""),
      );
    }
    // The index item, the one message, the trash call.
    const item = await remoteBackends.index.get(RECORDING_ID);
    expect(item?.files).toHaveLength(5);
    expect(mask(item, remote)).toEqual(mask(await localBackends.index.get(RECORDING_ID), local));
    const messages = (await readFile(remote.outbox, "utf8")).trim().split("\n");
    expect(messages).toHaveLength(1);
    const message = (line: string, s: Side) => {
      const { id: _random, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return mask(rest, s);
    };
    expect(message(messages[0] ?? "", remote)).toEqual(message(await readFile(local.outbox, "utf8"), local));
    expect(remote.sim.trashCalls).toEqual([{ uuid: UUID, action: "trash", status: 204 }]);
    expect(remote.sim.trashCalls).toEqual(local.sim.trashCalls);
    expect(await s3.pendingUploads(remote.bucket)).toEqual([]);
  });

  /** A meeting like MEETING on the remote side, with its own ids and files (recorded from 17:03). */
  const addMeetingLike = (uuid: string, id: number, files: Omit<SimFileSpec, "recordingStart">[]) =>
    remote.sim.addMeeting({
      ...MEETING,
      uuid,
      id,
      files: files.map((file) => ({ ...file, recordingStart: "2024-07-04T17:03:00Z" })),
    });
  const statesEntered = (events: EventLog[]) =>
    events.flatMap((e) => (e.type === "StateEntered" ? [e.state.name] : []));

  it("downloads with the account's OAuth token when the event has no download token", async () => {
    const uuid = "u6XQ/6jXTQi/Ruw4ypPChQ==";
    const meeting = addMeetingLike(uuid, 81234567892, [{ id: "oauth-m4a", fileType: "M4A", size: 70_000 }]);
    const { output, error, events } = await execute(
      remote.sim.recordingEvent(uuid, { withDownloadToken: false }),
    );
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ files: 1, trashed: "trashed" });
    const entered = statesEntered(events);
    expect(entered).toContain("RetrieveRecordingWithOAuth");
    expect(entered).not.toContain("RetrieveRecording");
    const downloads = remote.sim.requests.filter(
      (r) => r.path.startsWith("/rec/") && r.path.endsWith(meeting.files[0]?.id ?? "?"),
    );
    expect(downloads.map((r) => r.authorizationKind)).toContain("bearer-oauth");
    expect(downloads.map((r) => r.authorizationKind)).not.toContain("bearer-download-token");
  });

  it("downloads with the OAuth token when the stored download token is gone (a day later)", async () => {
    const uuid = "Yk3vQ8mHSa2xW4pZ6c1d0A==";
    const meeting = addMeetingLike(uuid, 81234567895, [{ id: "gone-m4a", fileType: "M4A", size: 50_000 }]);
    const tokens = objectTokenStore((await open(remote)).store);
    const { output, error } = await startAndExecute(remote.sim.recordingEvent(uuid), (ref) =>
      tokens.delete(ref),
    );
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ files: 1, trashed: "trashed" });
    const downloads = remote.sim.requests.filter(
      (r) => r.server === "api" && r.path.endsWith(meeting.files[0]?.id ?? "?"),
    );
    expect(downloads.map((r) => r.authorizationKind)).toEqual(["bearer-oauth"]);
    expect(logged.some((line) => line.includes("stored download token is gone"))).toBe(true);
  });

  it("still downloads with a download token an earlier deployment left inline in the input", async () => {
    const uuid = "w8f2xQ3bR0a1Yc5T7n9kLg==";
    // A CC file has no id in Zoom's list, so it is fetched from the event's URL with the event's token.
    const meeting = addMeetingLike(uuid, 81234567894, [{ id: "inline-cc", fileType: "CC", size: 6_000 }]);
    const { output, error, events } = await execute(remote.sim.recordingEvent(uuid));
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ files: 1, trashed: "trashed" });
    const entered = statesEntered(events);
    expect(entered).toContain("RetrieveRecordingWithInlineToken");
    // The event's download URL takes the token and redirects to a signed CDN URL, which takes none.
    const downloads = remote.sim.requests.filter(
      (r) => r.server === "api" && r.path.endsWith(meeting.files[0]?.id ?? "?"),
    );
    expect(downloads.map((r) => r.authorizationKind)).toEqual(["bearer-download-token"]);
  });

  it("loops RetrieveRecording on one file whose copy outlasts the stage's time budget, then finishes once", async () => {
    const uuid = "Qm9ZCk6bRmS3X3a0yNn2xw==";
    const meeting = addMeetingLike(uuid, 81234567893, [
      { id: "budget-mp4", fileType: "MP4", size: 6 * 5 * MiB - 12_345 },
    ]);
    const config = {
      ...remote.config,
      ingest: {
        trashAfterIngest: true,
        fileConcurrency: 1,
        partSizeMiB: 5,
        partConcurrency: 2,
        stageTimeBudgetSeconds: 1,
      },
    };
    const env = { ...zoomSecrets, ZREC_CONFIG: JSON.stringify(config) };
    const context = lambdaContext();
    const budgeted = retrieveRecording(env);
    const saved = tasks.RetrieveRecording;
    tasks.RetrieveRecording = (input) => budgeted(input as never, context as never);
    // 4 MiB/s per connection, 2 connections: about 4 s of copying against a budget of 1 s a call.
    remote.sim.setBandwidth(4 * MiB);
    const result = await startAndExecute(remote.sim.recordingEvent(uuid)).finally(() => {
      remote.sim.setBandwidth(undefined);
      tasks.RetrieveRecording = saved;
    });
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ files: 1, trashed: "trashed" });
    const entered = statesEntered(result.events);
    expect(entered.filter((name) => name === "RetrieveRecording").length).toBeGreaterThanOrEqual(3);
    expect(entered.filter((name) => name === "FinishIngest")).toHaveLength(1);
    expect(logged.some((line) => line.includes('"file-suspended"'))).toBe(true);
    expect(logged.some((line) => line.includes('"file-resumed"'))).toBe(true);

    const backends = await open(remote);
    const id = meeting.recordingId;
    const expected = await remote.sim.expectedSha256("budget-mp4");
    const bytes = await backends.store.get(`${id}/shared_screen_with_speaker_view.mp4`);
    expect(
      createHash("sha256")
        .update(bytes ?? new Uint8Array())
        .digest("hex"),
    ).toBe(expected);
    const document = await backends.index.get(id);
    expect(document?.files.map((f) => f.sha256)).toEqual([expected]);
    expect(await s3.pendingUploads(remote.bucket)).toEqual([]);
  });

  it("fails the execution before FinishIngest when a file cannot be downloaded, trashing nothing", async () => {
    const meeting = addMeetingLike(FAILING_UUID, 81234567891, [
      { id: "fail-mp4", fileType: "MP4", size: 6 * MiB },
      { id: "fail-m4a", fileType: "M4A", size: MiB },
    ]);
    remote.sim.injectFault({
      target: "cdn",
      fileId: meeting.files[0]?.id,
      kind: "status",
      status: 500,
      times: Infinity,
    });
    const trashBefore = remote.sim.trashCalls.length;
    const messagesBefore = (await readFile(remote.outbox, "utf8")).trim().split("\n").length;

    const { error, events } = await startAndExecute(remote.sim.recordingEvent(FAILING_UUID));
    expect(error).toBeInstanceOf(ExecutionError);
    const entered = statesEntered(events);
    expect(entered).toContain("RetrieveRecording");
    expect(entered).not.toContain("FinishIngest");
    // Step Functions retried the file (the stage's own retries had run out) before giving up.
    expect(events.filter((e) => e.type === "StateRetried").length).toBeGreaterThan(0);

    expect(remote.sim.trashCalls).toHaveLength(trashBefore);
    const backends = await open(remote);
    expect(await backends.index.get(FAILING_ID)).toBeUndefined();
    expect(await backends.store.head(`${FAILING_ID}/recording_document.json`)).toBeUndefined();
    expect((await readFile(remote.outbox, "utf8")).trim().split("\n")).toHaveLength(messagesBefore);
    expect(await s3.pendingUploads(remote.bucket)).toEqual([]);
  });
});

function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Every object under the prefix: bytes as a hash, JSON parsed and masked. */
async function objects(backends: Backends, s: Side): Promise<Record<string, unknown>> {
  const found: Record<string, unknown> = {};
  for await (const key of backends.store.list(`${RECORDING_ID}/`)) {
    const body = (await backends.store.get(key)) ?? new Uint8Array();
    found[key] = key.endsWith(".json")
      ? mask(JSON.parse(Buffer.from(body).toString("utf8")), s)
      : { size: body.length, etag: (await backends.store.head(key))?.etag };
  }
  return found;
}

/** Replaces what differs between two runs by nature: hosts and ports, bucket, clock readings. */
function mask(value: unknown, s: Side): unknown {
  const text = JSON.stringify(value)
    .replaceAll(s.sim.apiBaseUrl.replace(/\/v2$/, ""), "<zoom>")
    .replaceAll(s.sim.cdnOrigin, "<cdn>")
    .replaceAll(s.bucket, "<bucket>");
  return JSON.parse(text, (key, v) =>
    ["ingested_at", "zoom_trashed_at", "event_ts", "sent_at"].includes(key) && typeof v !== "object"
      ? `<${key}>`
      : v,
  ) as RecordingDocument;
}
