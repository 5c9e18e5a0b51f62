/** `zrec ingest` of a webinar's recording: its metadata comes from the webinar endpoints, not the meeting ones. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ingestEvent, makeWorkspace, readJson } from "@zrec/test-utils/cli";
import { useZoomSim } from "@zrec/test-utils/zoom-sim";
import { describe, expect, it } from "vitest";

const sim = useZoomSim();

describe("zrec ingest of a webinar", () => {
  it("stores past_webinar.json and webinar.json, fills the document from them and trashes it", async () => {
    const webinar = sim().addMeeting({
      topic: "OLF Annual webinar",
      type: 5,
      startTime: "2025-05-06T14:01:00Z",
      durationMinutes: 60,
      password: "webinar-pass",
      files: [{ fileType: "M4A", size: 300_000 }],
    });
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: true, partSizeMiB: 5 } });
    const run = await ingestEvent(ws, sim().recordingEvent(webinar.uuid));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: "ingested", trashed: "trashed", warnings: [] });
    expect(result.recording_path).toBe("olf/annual-webinar/2025-05-06T10:00");

    const folder = join(ws.dataDir, webinar.recordingId);
    expect(await readJson(join(folder, "past_webinar.json"))).toMatchObject({ uuid: webinar.uuid });
    expect(await readJson(join(folder, "webinar.json"))).toMatchObject({ id: webinar.id });
    expect(existsSync(join(folder, "past_meeting.json"))).toBe(false);
    const document = await readJson(join(folder, "recording_document.json"));
    expect(document).toMatchObject({
      meeting_id: webinar.id,
      meeting_uuid: webinar.uuid,
      password: "webinar-pass",
      end_time: "2025-05-06T15:01:00Z",
    });
    const asked = sim().requests.filter((r) => r.server === "api" && r.path.includes("meetings/"));
    expect(asked.filter((r) => r.method === "GET" && !r.path.endsWith("/recordings"))).toEqual([]);
    expect(sim().trashCalls).toEqual([{ uuid: webinar.uuid, action: "trash", status: 204 }]);
  });

  it("says so in the result when Zoom has no metadata for the webinar, and archives from the event", async () => {
    const webinar = sim().addMeeting({
      topic: "Orphaned webinar",
      type: 9,
      startTime: "2025-05-07T14:00:00Z",
      durationMinutes: 30,
      parentMeetingDeleted: true,
      files: [{ fileType: "CHAT", size: 2_000 }],
    });
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: false } });
    const run = await ingestEvent(ws, sim().recordingEvent(webinar.uuid));
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.warnings).toEqual([expect.stringMatching(/Zoom has no webinar for this recording/)]);
    expect(run.stderr).toMatch(/no webinar/);
  });
});
