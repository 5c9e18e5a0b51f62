import { createHash } from "node:crypto";
import { type SimMeeting, startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { ConfigError, InputError } from "../errors.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { createZoomClient } from "../zoom/api.js";
import { type SweepMeeting, sweepMissed } from "./sweep-missed.js";
import { legacyDocument, openTestArchive, type TestArchive } from "./tasks.test-support.js";

let sim: ZoomSim;
let archive: TestArchive;
beforeEach(async () => {
  [sim, archive] = await Promise.all([startZoomSim(), openTestArchive()]);
});
afterEach(async () => {
  await Promise.all([sim.close(), archive.close()]);
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

function depsFor(): PipelineDeps {
  const account = sim.accounts[0];
  if (!account) throw new Error("the sim has no account");
  const config = loadConfig(
    {
      zoom: {
        accounts: { default: account },
        apiBaseUrl: sim.apiBaseUrl,
        oauthUrl: sim.oauthUrl,
        allowedDownloadHosts: ["127.0.0.1"],
      },
      ingest: { minimumDurationMinutes: 5 },
      organizations: [{ name: "ReShare", match: ["ReShare"] }],
    },
    { env: {}, baseDir: archive.dir },
  );
  const client = createZoomClient({
    account,
    apiBaseUrl: config.zoom.apiBaseUrl,
    oauthUrl: config.zoom.oauthUrl,
    fetch: smallPages,
    retry: { baseDelayMs: 1 },
  });
  return { config, backends: archive.backends, zoom: () => client };
}

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
    // Five users at two a page: the listing followed next_page_token.
    expect(sim.requests.filter((r) => r.path === "/v2/users")).toHaveLength(3);
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
});
