import { createHash } from "node:crypto";
import {
  eachTestArchiveAndSim,
  legacyDocument,
  meetingWithRefusedTrash,
  simPipelineDeps,
  type TestArchive,
} from "@zrec/test-utils/fixtures/tasks";
import type { SimMeeting, ZoomSim } from "@zrec/zoom-sim";
import { describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../errors.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { type SweepMeeting, sweepMissed } from "./sweep-missed.js";

let sim: ZoomSim;
let archive: TestArchive;
eachTestArchiveAndSim((made) => {
  ({ sim, archive } = made);
});

/**
 * zrec always asks Zoom for pages of 300, the maximum; the sim honours smaller ones. Asking for 2 makes
 * five users (and a user's meetings) span several pages without creating hundreds of them.
 */
const smallPages: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.searchParams.has("page_size")) url.searchParams.set("page_size", "2");
  return globalThis.fetch(url, init);
};

const depsFor = (): PipelineDeps =>
  simPipelineDeps(
    sim,
    archive,
    { ingest: { minimumDurationMinutes: 5 }, organizations: [{ name: "ReShare", match: ["ReShare"] }] },
    { fetch: smallPages, retry: { baseDelayMs: 1 } },
  );

interface World {
  archived: SimMeeting;
  tooShort: SimMeeting;
  processing: SimMeeting;
  missed: SimMeeting[];
  outside: SimMeeting;
}

/** Five users; March and April 2025 hold one archived, one too short, one unfinished and two missed meetings. */
function populate(): World {
  for (let i = 1; i <= 5; i++) sim.addUser({ id: `user-${i}` });
  const meeting = (hostId: string, startTime: string, durationMinutes: number, topic: string) =>
    sim.addMeeting({ hostId, startTime, durationMinutes, topic, files: [{ fileType: "M4A", size: 70_000 }] });
  const archived = meeting("user-1", "2025-03-05T15:00:00Z", 60, "FOLIO Sys Ops & Management SIG");
  const outside = meeting("user-1", "2025-05-02T15:00:00Z", 60, "May meeting");
  const tooShort = meeting("user-3", "2025-04-10T15:00:00Z", 2, "Oops, wrong room");
  const processing = sim.addMeeting({
    hostId: "user-4",
    startTime: "2025-04-29T15:00:00Z",
    durationMinutes: 30,
    topic: "Still rendering",
    files: [{ fileType: "MP4", size: 50_000, status: "processing" }],
  });
  const missedEarly = sim.addMeeting({
    hostId: "user-5",
    startTime: "2025-03-20T14:02:30Z",
    durationMinutes: 40,
    topic: "(ReShare) Dev Team: weekly sync",
    files: [
      { fileType: "M4A", size: 120_000 },
      { fileType: "TIMELINE", size: 3_000 },
    ],
  });
  const missedLate = sim.addMeeting({
    uuid: "/bmsWqJaR9KtQ5zU/Vw32A==",
    hostId: "user-2",
    startTime: "2025-04-28T17:00:00Z",
    durationMinutes: 62,
    topic: "Budget review",
    files: [{ fileType: "MP4", size: 300_000 }],
  });
  return { archived, tooShort, processing, missed: [missedEarly, missedLate], outside };
}

const window = { from: new Date("2025-03-01T00:00:00Z"), to: new Date("2025-04-30T23:59:59Z") };

const outcomes = (meetings: SweepMeeting[]) =>
  Object.fromEntries(meetings.map((m) => [m.recording_id, m.outcome]));

describe("sweepMissed", () => {
  it("reports would-ingest in a dry run and changes nothing", async () => {
    const world = populate();
    const deps = depsFor();
    await deps.backends.index.put(legacyDocument({ recording_id: world.archived.recordingId }));
    const seen: SweepMeeting[] = [];

    const report = await sweepMissed(deps, {
      accounts: ["default"],
      ...window,
      dryRun: true,
      onMeeting: (m) => seen.push(m),
    });

    expect(report).toMatchObject({ from: "2025-03-01", to: "2025-04-30", dryRun: true, users: 5 });
    expect(report.accounts).toEqual(["default"]);
    expect(report.counts).toEqual({
      archived: 1,
      "too-short": 1,
      processing: 1,
      ingested: 0,
      "would-ingest": 2,
      completed: 0,
      incomplete: 0,
      failed: 0,
    });
    expect(outcomes(report.meetings)).toEqual({
      [world.archived.recordingId]: "archived",
      [world.tooShort.recordingId]: "too-short",
      [world.processing.recordingId]: "processing",
      [world.missed[0]?.recordingId ?? ""]: "would-ingest",
      [world.missed[1]?.recordingId ?? ""]: "would-ingest",
    });
    expect(report.meetings.map((m) => m.start_time)).toEqual(
      [...report.meetings.map((m) => m.start_time)].sort(),
    );
    expect(seen).toHaveLength(5);
    const short = report.meetings.find((m) => m.outcome === "too-short");
    expect(short).toMatchObject({ uuid: world.tooShort.uuid, topic: "Oops, wrong room", account: "default" });
    expect(short?.reason).toContain("ingest.minimumDurationMinutes");

    expect(await archive.keys()).toEqual([]);
    expect(await deps.backends.index.list()).toHaveLength(1);
    expect(await archive.outbox()).toEqual([]);
    expect(sim.requests.filter((r) => r.path.startsWith("/rec/"))).toEqual([]);
    // Five active users at two a page: the listing followed next_page_token; then the inactive ones.
    const listings = sim.requests.filter((r) => r.path === "/v2/users");
    expect(listings.map((r) => r.query.status)).toEqual(["active", "active", "active", "inactive"]);
  });

  it("ingests the missed meetings with the OAuth token and reports the rest", async () => {
    const world = populate();
    const deps = depsFor();
    await deps.backends.index.put(legacyDocument({ recording_id: world.archived.recordingId }));

    const report = await sweepMissed(deps, { accounts: [], ...window });

    expect(report.counts).toMatchObject({
      archived: 1,
      "too-short": 1,
      processing: 1,
      ingested: 2,
      failed: 0,
    });
    const [early, late] = world.missed;
    if (!early || !late) throw new Error("populate made two missed meetings");
    expect(report.meetings.find((m) => m.uuid === early.uuid)).toMatchObject({
      outcome: "ingested",
      recording_path: "reshare/dev-team-weekly-sync/2025-03-20T10:05",
    });
    for (const meeting of world.missed) {
      for (const file of meeting.files) {
        const document = await deps.backends.index.get(meeting.recordingId);
        const entry = document?.files.find((f) => f.recording_type === file.recordingType);
        expect(entry?.sha256).toBe(await sim.expectedSha256(file.id));
        const stored = await deps.backends.store.get(entry?.key ?? "");
        expect(
          createHash("sha256")
            .update(stored ?? "")
            .digest("hex"),
        ).toBe(entry?.sha256);
      }
    }
    expect(await deps.backends.index.get(world.tooShort.recordingId)).toBeUndefined();
    expect(await deps.backends.index.get(world.processing.recordingId)).toBeUndefined();
    const messages = await archive.outbox();
    expect(messages.map((m) => [m.event, m.recording_id]).sort()).toEqual(
      world.missed.map((m) => ["ingested", m.recordingId]).sort(),
    );
    const downloads = sim.requests.filter((r) => r.server === "api" && r.path.startsWith("/rec/"));
    expect(downloads.length).toBeGreaterThan(0);
    for (const request of downloads) expect(request.authorizationKind).toBe("bearer-oauth");

    const again = await sweepMissed(deps, { accounts: ["default"], ...window });
    expect(again.counts).toMatchObject({ archived: 3, ingested: 0 });
    expect(await archive.outbox()).toHaveLength(2);
  });

  it("reports a meeting that cannot be ingested as failed and ingests the others", async () => {
    const world = populate();
    const deps = depsFor();
    const broken = world.missed[1]?.files[0]?.id;
    sim.injectFault({
      target: "cdn",
      fileId: broken,
      kind: "status",
      status: 403,
      times: Number.POSITIVE_INFINITY,
    });

    const report = await sweepMissed(deps, { accounts: ["default"], ...window, concurrency: 3 });

    expect(report.counts).toMatchObject({ ingested: 2, failed: 1 });
    const failed = report.meetings.find((m) => m.outcome === "failed");
    expect(failed?.uuid).toBe(world.missed[1]?.uuid);
    expect(failed?.error).toMatch(/403/);
    expect(failed?.error).not.toMatch(/Bearer|sig=/);
  });

  it("refuses an unknown account, a reversed window and a bad concurrency before asking Zoom", async () => {
    const deps = depsFor();
    await expect(sweepMissed(deps, { accounts: ["nope"], ...window })).rejects.toBeInstanceOf(ConfigError);
    await expect(
      sweepMissed(deps, { accounts: [], from: window.to, to: window.from }),
    ).rejects.toBeInstanceOf(InputError);
    await expect(sweepMissed(deps, { accounts: [], ...window, concurrency: 0 })).rejects.toBeInstanceOf(
      InputError,
    );
    expect(sim.requests).toEqual([]);
  });

  it("finds a deactivated host's recording, and never asks for a pending user's", async () => {
    sim.addUser({ id: "left-us", status: "inactive" });
    sim.addUser({ id: "invited", status: "pending" });
    const departed = sim.addMeeting({
      hostId: "left-us",
      startTime: "2025-03-10T15:00:00Z",
      durationMinutes: 30,
      topic: "Handover",
      files: [{ fileType: "M4A", size: 10_000 }],
    });
    const deps = depsFor();
    const report = await sweepMissed(deps, { accounts: [], ...window });
    expect(report.users).toBe(1);
    expect(outcomes(report.meetings)).toEqual({ [departed.recordingId]: "ingested" });
    expect(sim.requests.filter((r) => r.path.includes("/users/invited"))).toEqual([]);
  });

  it("goes on past a host deleted while it sweeps (404 for their recordings) to the users after them", async () => {
    sim.addUser({ id: "deleted-meanwhile" });
    sim.addUser({ id: "stays" });
    const kept = sim.addMeeting({
      hostId: "stays",
      startTime: "2025-03-11T15:00:00Z",
      durationMinutes: 30,
      topic: "After the one who left",
      files: [{ fileType: "M4A", size: 10_000 }],
    });
    sim.injectFault({
      target: "api",
      pathIncludes: "/users/deleted-meanwhile/recordings",
      kind: "status",
      status: 404,
      times: Infinity,
    });
    const report = await sweepMissed(depsFor(), { accounts: [], ...window, listing: "per-user" });
    expect(outcomes(report.meetings)).toEqual({ [kept.recordingId]: "ingested" });
    expect(report.perAccount[0]).toMatchObject({ users: 2, usersGone: 1 });
  });

  it("moves to Zoom's trash, on the next sweep, a recording archived whole whose trash failed", async () => {
    meetingWithRefusedTrash(sim);
    const deps = simPipelineDeps(
      sim,
      archive,
      { ingest: { trashAfterIngest: true } },
      { fetch: smallPages, retry: { baseDelayMs: 1 } },
    );
    const first = await sweepMissed(deps, { accounts: [], ...window });
    expect(first.meetings[0]).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/is archived \(every file.*but moving it to Zoom's trash failed/),
    });
    sim.clearFaults();

    const dry = await sweepMissed(deps, { accounts: [], ...window, dryRun: true });
    expect(dry.meetings[0]).toMatchObject({
      outcome: "archived",
      reason: expect.stringMatching(/not yet moved/),
      trashDue: true,
    });
    expect(sim.trashCalls).toEqual([]);
    const second = await sweepMissed(deps, { accounts: [], ...window });
    expect(second.meetings[0]).toMatchObject({
      outcome: "archived",
      reason: expect.stringMatching(/moved to Zoom's trash now/),
    });
    expect(sim.trashCalls.map((call) => call.status)).toEqual([204]);
    // Copied once: the second sweep fetched no file again.
    expect(sim.requests.filter((r) => r.server === "cdn")).toHaveLength(1);
  });

  it("completes a recording archived without some of Zoom's files, once, and reports it", async () => {
    sim.addUser({ id: "user-1" });
    const meeting = sim.addMeeting({
      hostId: "user-1",
      startTime: "2025-03-12T15:00:00Z",
      durationMinutes: 30,
      topic: "Half archived",
      files: [
        { fileType: "MP4", size: 40_000 },
        { fileType: "TRANSCRIPT", size: 2_000 },
      ],
    });
    const deps = depsFor();
    // Only the transcript came (recording.transcript_completed); recording.completed never did.
    const { runIngest } = await import("../pipeline/run-ingest.js");
    const event = sim.recordingEvent(meeting.uuid, { event: "recording.transcript_completed" }) as {
      payload: { object: { recording_files: { file_type: string }[] } };
    };
    event.payload.object.recording_files = event.payload.object.recording_files.filter(
      (f) => f.file_type === "TRANSCRIPT",
    );
    await runIngest(event, deps);
    expect((await deps.backends.index.get(meeting.recordingId))?.files).toHaveLength(1);

    const dry = await sweepMissed(deps, { accounts: [], ...window, dryRun: true });
    expect(dry.meetings[0]).toMatchObject({
      outcome: "incomplete",
      reason: expect.stringMatching(/lacks shared_screen/),
    });
    const report = await sweepMissed(deps, { accounts: [], ...window });
    expect(report.meetings[0]).toMatchObject({ outcome: "completed", recording_path: expect.any(String) });
    const document = await deps.backends.index.get(meeting.recordingId);
    expect(document?.files.map((f) => f.recording_type).sort()).toEqual([
      "audio_transcript",
      "shared_screen_with_speaker_view",
    ]);
    expect((await sweepMissed(deps, { accounts: [], ...window })).counts.archived).toBe(1);
    // One notification for the transcript, one for the completed recording; none for the last sweep.
    expect((await archive.outbox()).filter((m) => m.recording_id === meeting.recordingId)).toHaveLength(2);
  });
});
