import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDynalite } from "@zrec/test-utils/dynalite";
import { startS3rver } from "@zrec/test-utils/s3rver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../config/defaults.js";
import type { RecordingDocument } from "../recording/document.js";
import {
  closeBackends,
  configuredBackends,
  createBackends,
  localBackendPaths,
  withAwsProfile,
} from "./factory.js";
import { readOutbox } from "./outbox-notifier.js";

const document: RecordingDocument = {
  recording_id: "0a7203ad-04ac-45d8-bd6d-6a778f226c65",
  recording_path: "other/budget-review/2025-10-31T08:05",
  meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
  parent_meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
  meeting_id: 81234567890,
  meeting_topic: "Budget review",
  password: "",
  host_id: "host",
  organization: "other",
  start_time: "2025-10-31T12:07:29Z",
  end_time: "2025-10-31T13:00:00Z",
  files: [],
};

let baseDir: string;
beforeEach(async () => {
  baseDir = await mkdtemp(path.join(tmpdir(), "zrec-factory-"));
});
afterEach(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

describe("createBackends", () => {
  it("builds the embedded default under baseDir, and each backend works", async () => {
    const backends = await createBackends(defaultConfig, { baseDir });
    try {
      const key = `${document.recording_id}/recording.json`;
      await backends.store.put(key, "{}", { contentType: "application/json" });
      expect(Buffer.from((await backends.store.get(key)) ?? []).toString()).toBe("{}");
      expect(backends.store.urlFor(key)).toContain(path.join(baseDir, "zrec-data").replaceAll(path.sep, "/"));

      await backends.index.put(document);
      expect(await backends.index.get(document.recording_id)).toEqual(document);

      await backends.notifier.send({ event: "ingested", document });
      const messages = await readOutbox(path.join(baseDir, "zrec-data", "outbox.jsonl"));
      expect(messages.map((m) => m.recording_id)).toEqual([document.recording_id]);
    } finally {
      await closeBackends(backends);
    }
    expect((await readdir(path.join(baseDir, "zrec-data"))).sort()).toEqual(
      expect.arrayContaining(["0a7203ad-04ac-45d8-bd6d-6a778f226c65", "index.db", "outbox.jsonl"]),
    );
  });

  it("builds the none notifier", async () => {
    const backends = await createBackends({ ...defaultConfig, notify: { type: "none" } }, { baseDir });
    await backends.notifier.send({ event: "ingested", document });
    await closeBackends(backends);
  });

  it("builds the AWS backends from configuration, loading each SDK only then", async () => {
    const s3 = await startS3rver({ buckets: ["zrec-factory"] });
    const dynamo = await startDynalite();
    const saved = { ...process.env };
    Object.assign(process.env, s3.env);
    try {
      const { ensureTable } = await import("./dynamodb-table.js");
      const client = dynamo.client();
      await ensureTable(client, "zrec-factory");
      const config = {
        storage: {
          type: "s3",
          bucket: "zrec-factory",
          prefix: "archive",
          forcePathStyle: true,
          endpoint: s3.endpoint,
        },
        index: { type: "dynamodb", table: "zrec-factory", endpoint: dynamo.endpoint },
        notify: { type: "sqs", queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/zrec" },
        ingest: defaultConfig.ingest,
      } as const;
      const backends = await createBackends(config, { baseDir });
      try {
        expect(backends.store.description).toBe("s3://zrec-factory/archive/");
        expect(backends.notifier.description).toMatch(/SQS queue/);
        await backends.store.put(`${document.recording_id}/recording_document.json`, "{}", {
          contentType: "application/json",
        });
        await backends.index.put(document);
        expect(await backends.index.get(document.recording_id)).toEqual(document);
      } finally {
        await closeBackends(backends);
      }
    } finally {
      process.env = saved;
      await s3.close();
      await dynamo.close();
    }
  });
});

describe("configuredBackends", () => {
  const aws = {
    storage: { type: "s3", bucket: "b", prefix: "", forcePathStyle: false, profile: "archive" },
    index: { type: "dynamodb", table: "t" },
    notify: { type: "none" },
  } as const;

  it("places the embedded default on this machine, under baseDir", () => {
    expect(configuredBackends(defaultConfig, "/srv/zrec")).toEqual([
      {
        backend: "storage",
        type: "fs",
        place: "local",
        file: { key: "storage.root", path: "/srv/zrec/zrec-data" },
      },
      {
        backend: "index",
        type: "sqlite",
        place: "local",
        file: { key: "index.path", path: "/srv/zrec/zrec-data/index.db" },
      },
      {
        backend: "notify",
        type: "outbox",
        place: "local",
        file: { key: "notify.path", path: "/srv/zrec/zrec-data/outbox.jsonl" },
      },
    ]);
  });

  it("names each AWS backend's profile, and an in-memory index has no file", () => {
    expect(configuredBackends(aws).map(({ backend, place, ...rest }) => [backend, place, rest])).toEqual([
      ["storage", "aws", { type: "s3", profile: "archive" }],
      ["index", "aws", { type: "dynamodb", profile: undefined }],
      ["notify", "none", { type: "none" }],
    ]);
    const memory = { ...defaultConfig, index: { type: "sqlite", path: ":memory:" } } as const;
    expect(configuredBackends(memory)[1]).toMatchObject({ place: "local", file: undefined });
    expect(localBackendPaths(memory, "/srv").map((local) => local.key)).toEqual([
      "storage.root",
      "notify.path",
    ]);
  });

  it("gives every AWS backend the --profile, and leaves the embedded ones alone", () => {
    const profiled = withAwsProfile(aws, "admin");
    expect(configuredBackends(profiled).map((backend) => backend.place === "aws" && backend.profile)).toEqual(
      ["admin", "admin", false],
    );
    expect(withAwsProfile(defaultConfig, "admin")).toEqual(defaultConfig);
  });
});
