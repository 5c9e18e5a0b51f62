import { eachTestArchiveAndSim, simPipelineDeps, type TestArchive } from "@zrec/test-utils/fixtures/tasks";
import type { ZoomSim } from "@zrec/zoom-sim";
import { describe, expect, it } from "vitest";
import { RecordingProcessing } from "../errors.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { retryVerdict } from "../retry-verdict.js";
import { runIngestJob } from "./ingest-job.js";

let sim: ZoomSim;
let archive: TestArchive;
eachTestArchiveAndSim((made) => {
  ({ sim, archive } = made);
});

const depsFor = (): PipelineDeps => simPipelineDeps(sim, archive, { ingest: { trashAfterIngest: true } });

/** A 30-minute meeting of host-1 on the sim, started 2025-03-12 15:00 UTC, with these files. */
function hostedMeeting(topic: string, files: Parameters<ZoomSim["addMeeting"]>[0]["files"]) {
  sim.addUser({ id: "host-1" });
  return sim.addMeeting({ topic, startTime: "2025-03-12T15:00:00Z", durationMinutes: 30, files });
}

describe("runIngestJob", () => {
  it("fails for now, as a transient failure, while Zoom still processes a file, and completes it later", async () => {
    const meeting = hostedMeeting("Still rendering", [
      { fileType: "MP4", size: 40_000, status: "processing" },
      { fileType: "CHAT", size: 1_000 },
    ]);
    const deps = depsFor();
    const event = sim.recordingEvent(meeting.uuid);

    const first = await runIngestJob(event, deps).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(RecordingProcessing);
    expect(retryVerdict(first)).toBe("transient");
    expect(String((first as Error).message)).toMatch(/status processing/);
    expect(sim.trashCalls).toEqual([]);

    const video = meeting.files.find((file) => file.fileType === "MP4");
    sim.setFileStatus(video?.id ?? "", "completed");
    const second = await runIngestJob(event, deps);
    expect(second.files.map((file) => file.recording_type).sort()).toEqual([
      "chat_file",
      "shared_screen_with_speaker_view",
    ]);
    const document = await deps.backends.index.get(meeting.recordingId);
    expect(document?.files).toHaveLength(2);
    expect(sim.trashCalls).toEqual([{ uuid: meeting.uuid, action: "trash", status: 204 }]);
  });

  it("ends at once when the event's files are all finished", async () => {
    const meeting = hostedMeeting("Done", [{ fileType: "M4A", size: 10_000 }]);
    const deps = depsFor();
    const result = await runIngestJob(sim.recordingEvent(meeting.uuid), deps);
    expect(result.status).toBe("ingested");
    // The ingest's own two looks (is it still at Zoom, before anything is written; the trash guard's),
    // and none by the job: nothing was unfinished.
    expect(sim.requests.filter((r) => r.path.endsWith("/recordings") && r.method === "GET")).toHaveLength(2);
  });
});
