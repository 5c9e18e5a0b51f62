/**
 * Two executions of one recording finishing at once, as on Lambda a recording.completed and a
 * recording.transcript_completed execution do: each FinishIngest merges its files into the document it
 * read. On S3 (s3rver) and DynamoDB (dynalite), with zoom-sim, through the stages the handlers run. With a
 * plain index put the last writer won and the document lost the other's files (an adversarial review).
 */
import { randomUUID } from "node:crypto";
import {
  closeBackends,
  type FinishIngestInput,
  finishIngest,
  ingestMetadata,
  loadConfig,
  openPipeline,
  retrieveRecordingWithin,
} from "@zrec/core";
import { ensureTable } from "@zrec/core/adapters/dynamodb-table";
import { type Dynalite, startDynalite } from "@zrec/test-utils/dynalite";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const UUID = "Qm9ZCk6bRmS3X3a0yNn2xw==";
const SECRETS = {
  ZOOM_ACCOUNT_ID: "sim-account",
  ZOOM_CLIENT_ID: "sim-client",
  ZOOM_CLIENT_SECRET: "sim-secret",
};

describe("two FinishIngest of one recording at once", () => {
  let s3: RunningS3rver;
  let dynamo: Dynalite;
  let sim: ZoomSim;

  beforeAll(async () => {
    [s3, dynamo, sim] = await Promise.all([startS3rver(), startDynalite(), startZoomSim()]);
    // The AWS clients take credentials from the SDK's default chain, as on Lambda.
    for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
    sim.addUser({ id: "host-1" });
    sim.addMeeting({
      uuid: UUID,
      topic: "Two executions",
      hostId: "host-1",
      startTime: "2024-07-04T17:02:30Z",
      durationMinutes: 62,
      files: [
        { id: "mp4", fileType: "MP4", size: 300_000, recordingStart: "2024-07-04T17:03:00Z" },
        { id: "m4a", fileType: "M4A", size: 100_000, recordingStart: "2024-07-04T17:03:00Z" },
        { id: "transcript", fileType: "TRANSCRIPT", size: 5_000, recordingStart: "2024-07-04T17:03:00Z" },
      ],
    });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await Promise.all([sim?.close(), s3?.close(), dynamo?.close()]);
  });

  it("keeps every file of both in the document and the index, and trashes once", async () => {
    const bucket = `zrec-race-${randomUUID().slice(0, 8)}`;
    const table = `zrec-race-${randomUUID().slice(0, 8)}`;
    await s3.createBucket(bucket);
    await ensureTable(dynamo.client(), table);
    const storage = s3.storageConfig(bucket, "archive");
    const config = loadConfig(
      {
        zoom: { apiBaseUrl: sim.apiBaseUrl, oauthUrl: sim.oauthUrl, allowedDownloadHosts: ["127.0.0.1"] },
        storage,
        index: { type: "dynamodb", table, region: s3.region, endpoint: dynamo.endpoint },
        notify: { type: "none" },
        ingest: { trashAfterIngest: true },
      },
      { env: SECRETS },
    );
    const { deps, close } = await openPipeline(config);
    try {
      // recording.completed comes before the transcript is ready: it lists the other files.
      const completed = sim.recordingEvent(UUID, { withDownloadToken: false }) as {
        payload: { object: { recording_files: { file_type: string }[] } };
      };
      completed.payload.object.recording_files = completed.payload.object.recording_files.filter(
        (file) => file.file_type !== "TRANSCRIPT",
      );
      const transcript = sim.recordingEvent(UUID, {
        event: "recording.transcript_completed",
        withDownloadToken: false,
      });
      const retrieved = async (event: unknown): Promise<FinishIngestInput> => {
        const metadata = await ingestMetadata({ event }, deps);
        if (metadata.status !== "ready") throw new Error(`skipped: ${metadata.status}`);
        const files = [];
        for (const task of metadata.files) files.push(await retrieveRecordingWithin({ task }, deps));
        return { metadata, files } as unknown as FinishIngestInput;
      };
      const [a, b] = [await retrieved(completed), await retrieved(transcript)];

      const results = await Promise.all([finishIngest(a, deps), finishIngest(b, deps)]);

      const types = (files?: { recording_type: string }[]) => files?.map((f) => f.recording_type).sort();
      const indexed = await deps.backends.index.get(a.metadata.recording_id);
      expect(types(indexed?.files)).toEqual([
        "audio_only",
        "audio_transcript",
        "shared_screen_with_speaker_view",
      ]);
      const stored = await deps.backends.store.get(`${a.metadata.recording_id}/recording_document.json`);
      expect(JSON.parse(Buffer.from(stored ?? "{}").toString())).toEqual(indexed);
      // The run that saw the whole recording trashed it; the other found Zoom holding files it lacked.
      expect(results.map((r) => r.trashed).sort()).toEqual(["incomplete", "trashed"]);
      expect(sim.trashCalls.filter((call) => call.status === 204)).toHaveLength(1);
      expect(indexed?.zoom_trashed_at).toEqual(expect.any(String));
    } finally {
      await close();
      await closeBackends(deps.backends).catch(() => {});
    }
  });
});
