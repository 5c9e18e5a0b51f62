/**
 * runIngest copies from the moment Zoom has listed the files: the past and parent meeting are asked for
 * while the copies run, and a failure of theirs stops the copies (their checkpoints kept) and is the
 * ingest's error.
 */
import { createHash } from "node:crypto";
import { eachTestArchiveAndSim, simPipelineDeps, type TestArchive } from "@zrec/test-utils/fixtures/tasks";
import type { ZoomSim } from "@zrec/zoom-sim";
import { describe, expect, it } from "vitest";
import { runIngest } from "./run-ingest.js";

const MiB = 1024 * 1024;

let sim: ZoomSim;
let archive: TestArchive;
eachTestArchiveAndSim((made) => {
  ({ sim, archive } = made);
});

function meetingOf(size: number) {
  sim.addUser({ id: "user-1" });
  const meeting = sim.addMeeting({
    hostId: "user-1",
    startTime: "2025-03-12T15:00:00Z",
    durationMinutes: 30,
    topic: "Copied early",
    files: [{ fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size }],
  });
  return { meeting, event: sim.recordingEvent(meeting.uuid) };
}

const deps = () => simPipelineDeps(sim, archive, { ingest: { partSizeMiB: 5, partConcurrency: 2 } });
const cdnRequests = () => sim.requests.filter((entry) => entry.server === "cdn");

describe("runIngest: the copies and the meeting's metadata", () => {
  it("starts copying once Zoom lists the files, before the past meeting has answered", async () => {
    const { meeting, event } = meetingOf(12 * MiB);
    sim.injectFault({ target: "api", pathIncludes: "/past_meetings/", kind: "stall", stallMs: 1500 });
    const result = await runIngest(event, deps());
    expect(result.status).toBe("ingested");
    // The path's time is the past meeting's start: the draft waited for its (late) answer.
    expect(result.recording_path).toMatch(/\/2025-03-12T11:00$/);
    const past = sim.requests.find((entry) => entry.path.includes("/past_meetings/"));
    const firstCdn = cdnRequests()[0];
    expect(past && firstCdn).toBeTruthy();
    // Asked well inside the 1.5 s the past meeting's answer was held back.
    expect((firstCdn?.at ?? Number.POSITIVE_INFINITY) - (past?.at ?? 0)).toBeLessThan(1000);
    const [file] = meeting.files;
    const stored = await archive.backends.store.get(result.files[0]?.key ?? "?");
    expect(
      createHash("sha256")
        .update(stored ?? new Uint8Array())
        .digest("hex"),
    ).toBe(await sim.expectedSha256(file?.id ?? "?"));
  });

  it("stops the copies when the past meeting fails, and the next run archives the recording", async () => {
    const { event } = meetingOf(15 * MiB);
    // 1 MiB/s a connection: the copy would take 10 s; a refused past meeting ends the run long before.
    sim.setBandwidth(MiB);
    sim.injectFault({ target: "api", pathIncludes: "/past_meetings/", kind: "status", status: 400 });
    await expect(runIngest(event, deps())).rejects.toMatchObject({
      message: expect.stringMatching(/past_meetings.*400/),
    });
    const fetched = cdnRequests().reduce((sum, entry) => sum + entry.bytesSent, 0);
    expect(fetched).toBeLessThan(5 * MiB);
    expect(await archive.backends.index.list()).toEqual([]);

    sim.setBandwidth(undefined);
    const again = await runIngest(event, deps());
    expect(again.status).toBe("ingested");
    expect(again.recording_path).toMatch(/\/2025-03-12T11:00$/);
  });
});

describe("runIngest stopped by its caller while the copies run", () => {
  it("returns at once, without waiting for the past meeting's answer or storing it", async () => {
    const { meeting } = meetingOf(15 * MiB);
    const event = sim.recordingEvent(meeting.uuid);
    sim.setBandwidth(MiB);
    sim.injectFault({ target: "api", pathIncludes: "/past_meetings/", kind: "stall", stallMs: 8000 });
    const controller = new AbortController();
    const base = deps();
    let stoppedAt = 0;
    const running = runIngest(event, {
      ...base,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "file-start" && stoppedAt === 0) {
          stoppedAt = Date.now();
          setTimeout(() => controller.abort(new Error("stopped by the test")), 200);
        }
      },
    });
    await expect(running).rejects.toBeDefined();
    // The copies stop within moments; the past meeting was held back 8 s.
    expect(Date.now() - stoppedAt).toBeLessThan(4000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stored: string[] = [];
    for await (const key of archive.backends.store.list(`${meeting.recordingId}/`)) stored.push(key);
    expect(stored.filter((key) => key.endsWith("past_meeting.json"))).toEqual([]);
  });
});
