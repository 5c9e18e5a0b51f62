/**
 * `zrec sweep-missed` end to end on both backends, against zoom-sim over HTTP: 320 users, so that the
 * user listing takes two of the pages of 300 zrec asks for, and a two-month window, so that each user's
 * recordings take two requests (Zoom answers one month at a time).
 */

import {
  type ArchiveWorkspace,
  backendKinds,
  legacyDocument,
  makeArchiveWorkspace,
  makeWorkspace,
  startBackends,
  type TestBackends,
} from "@zrec/test-utils/cli";
import { type SimMeeting, startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const USERS = 320;
const WINDOW = ["--from", "2025-03-01", "--to", "2025-04-30"];

describe.each(backendKinds)("zrec sweep-missed (%s)", (kind) => {
  let backends: TestBackends;
  let sim: ZoomSim;
  let ws: ArchiveWorkspace;
  let archived: SimMeeting;
  let tooShort: SimMeeting;
  let missed: SimMeeting[];

  beforeAll(async () => {
    [backends, sim] = await Promise.all([startBackends(kind), startZoomSim()]);
    for (let i = 1; i <= USERS; i++) sim.addUser({ id: `user-${i}` });
    const meeting = (
      hostId: string,
      startTime: string,
      durationMinutes: number,
      topic: string,
      uuid?: string,
    ) =>
      sim.addMeeting({
        ...(uuid === undefined ? {} : { uuid }),
        hostId,
        startTime,
        durationMinutes,
        topic,
        files: [{ fileType: "M4A", size: 70_000 }],
      });
    archived = meeting("user-1", "2025-03-05T15:00:00Z", 60, "FOLIO Sys Ops & Management SIG");
    tooShort = meeting("user-150", "2025-04-10T15:00:00Z", 2, "Oops, wrong room");
    missed = [
      // user-310 is on the second page of users.
      meeting("user-310", "2025-03-20T14:02:30Z", 40, "(ReShare) Dev Team: weekly sync"),
      meeting("user-2", "2025-04-28T17:00:00Z", 62, "Budget review", "/bmsWqJaR9KtQ5zU/Vw32A=="),
    ];
    meeting("user-1", "2025-05-02T15:00:00Z", 60, "May meeting, outside the window");

    const overrides = {
      ingest: { minimumDurationMinutes: 5, trashAfterIngest: true },
      organizations: [{ name: "ReShare", match: ["ReShare"] }],
    };
    const simWorkspace = await makeWorkspace(sim, overrides, backends);
    ws = await makeArchiveWorkspace(backends, { dir: simWorkspace.dir, env: simWorkspace.env });
    await ws.archive(({ index }) => index.put(legacyDocument({ recording_id: archived.recordingId })));
  });

  afterAll(async () => {
    await Promise.all([sim?.close(), backends?.close(), ws?.remove()]);
  });

  const rows = () => ws.archive(async ({ index }) => (await index.list()).map((d) => d.recording_id).sort());

  it("--dry-run prints one line per meeting and a summary, and changes nothing", async () => {
    const run = await ws.zrec("sweep-missed", ...WINDOW, "--dry-run");

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(7);
    const lineOf = (m: SimMeeting) => lines.find((line) => line.includes(m.recordingId)) ?? "";
    expect(lineOf(archived)).toMatch(/^archived +2025-03-05T15:00:00Z +\S+ +\S+ +FOLIO Sys Ops/);
    expect(lineOf(tooShort)).toMatch(/^too-short .*Oops, wrong room: .*ingest\.minimumDurationMinutes/);
    for (const m of [...missed, archived, tooShort]) {
      expect(lineOf(m)).toContain(`  ${m.uuid}  `);
      expect(lineOf(m)).toContain(m.startTime);
    }
    for (const m of missed) expect(lineOf(m)).toMatch(/^would-ingest /);
    expect(lines[4]).toBe(
      `Swept default (${USERS} users), 2025-03-01 to 2025-04-30: 4 meetings (1 archived, 1 too-short, 2 would-ingest).`,
    );
    // The window is older than six months: listed per user (active, then inactive users).
    expect(lines[5]).toMatch(/^ {2}default: listed per user, \d+ API requests$/);
    expect(lines[6]).toMatch(/^Dry run: nothing was changed\. Run it without --dry-run to ingest the 2/);

    expect(await ws.keys()).toEqual([]);
    expect(await rows()).toEqual([archived.recordingId]);
    expect(await ws.outbox()).toEqual([]);
    expect(sim.requests.filter((r) => r.path.startsWith("/rec/"))).toEqual([]);
    // Two pages of active users at 300 a page, one of inactive ones, and two months for each user.
    const userPages = sim.requests.filter((r) => r.path === "/v2/users");
    expect(userPages.map((r) => [r.query.status, r.query.page_size])).toEqual([
      ["active", "300"],
      ["active", "300"],
      ["inactive", "300"],
    ]);
    expect(sim.requests.filter((r) => r.path === "/v2/users/user-320/recordings")).toHaveLength(2);
  });

  it("ingests the two missed meetings and reports the rest, as JSON", async () => {
    const run = await ws.zrec("sweep-missed", ...WINDOW, "--json");

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ from: "2025-03-01", to: "2025-04-30", dryRun: false, users: USERS });
    expect(report.counts).toMatchObject({ archived: 1, "too-short": 1, ingested: 2, failed: 0 });
    expect(report.meetings.find((m: { uuid: string }) => m.uuid === missed[0]?.uuid)).toMatchObject({
      outcome: "ingested",
      recording_path: "reshare/dev-team-weekly-sync/2025-03-20T10:05",
    });
    expect(await rows()).toEqual([archived, ...missed].map((m) => m.recordingId).sort());
    const keys = await ws.keys();
    for (const m of missed) expect(keys).toContain(`${m.recordingId}/audio_only.m4a`);
    const messages = await ws.outbox();
    expect(messages.map((m) => [m.event, m.recording_id]).sort()).toEqual(
      missed.map((m) => ["ingested", m.recordingId]).sort(),
    );
    expect(sim.trashCalls).toHaveLength(2);
  });

  it("exits 1 when a meeting cannot be ingested, after sweeping the others", async () => {
    const broken = sim.addMeeting({
      hostId: "user-200",
      startTime: "2025-04-15T13:00:00Z",
      durationMinutes: 30,
      topic: "Unlucky",
      files: [{ fileType: "M4A", size: 10_000 }],
    });
    sim.injectFault({
      target: "cdn",
      fileId: broken.files[0]?.id,
      kind: "status",
      status: 403,
      times: Number.POSITIVE_INFINITY,
    });

    const run = await ws.zrec("sweep-missed", ...WINDOW);

    expect(run.code).toBe(1);
    const failed = run.stdout.split("\n").find((line) => line.includes(broken.recordingId));
    expect(failed).toMatch(/^failed +2025-04-15T13:00:00Z .*Unlucky: .*403/);
    // The two ingested before were moved to Zoom's trash (ingest.trashAfterIngest), so are not listed.
    expect(run.stdout).toContain("3 meetings (1 archived, 1 too-short, 1 failed)");
    expect(run.stderr).toBe(
      'zrec: 1 of 3 meetings could not be ingested (outcome "failed"); run the sweep again to retry.\n',
    );
    expect(await rows()).not.toContain(broken.recordingId);
    expect(await ws.outbox()).toHaveLength(2);
  });

  it("refuses bad dates, an unknown account and conflicting options with exit 2", async () => {
    const before = sim.requests.length;
    const cases = [
      [["--from", "2025-04-31"], /^zrec: --from "2025-04-31" is not a date/],
      [["--from", "2025-05-01", "--to", "2025-04-01"], /2025-05-01.*2025-04-01/],
      [["--account", "nope"], /No Zoom account named "nope"/],
      [["--account", "default", "--all-accounts"], /cannot be used with/],
      [["--concurrency", "two"], /^zrec: --concurrency "two" is not a positive whole number/],
    ] as const;
    // One after the other: two sweeps at once in one folder would meet each other's lock (exit 1).
    const runs = [];
    for (const [args] of cases) runs.push(await ws.zrec("sweep-missed", ...args));
    for (const [i, [args, message]] of cases.entries()) {
      expect(runs[i]?.code, args.join(" ")).toBe(2);
      expect(runs[i]?.stderr).toMatch(message);
    }
    expect(sim.requests.length).toBe(before);
  });
});
