/**
 * Nothing slips through, end to end with the built CLI: a transcript-only ingest completed by
 * `zrec ingest --uuid` and seen as archived by the next sweep; a sweep of two accounts that finds a
 * deactivated host's recording and never asks for a pending user's; and the commands that do not talk to
 * Zoom run with no Zoom credentials at all.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeWorkspace, readJson, runZrec } from "@zrec/test-utils/cli";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;
const ACCOUNT_B = { accountId: "acct-b", clientId: "client-b", clientSecret: "client-secret-b" };
const WINDOW = ["--from", "2025-03-01", "--to", "2025-03-31"];

let sim: Sim;
let ws: Awaited<ReturnType<typeof makeWorkspace>>;

beforeAll(async () => {
  sim = await startZoomSim({
    accounts: [{ accountId: "sim-account", clientId: "sim-client", clientSecret: "sim-secret" }, ACCOUNT_B],
  });
  sim.addUser({ id: "host-a" });
  sim.addUser({ id: "left-a", status: "inactive" });
  sim.addUser({ id: "invited-b", status: "pending", accountId: "acct-b" });
  sim.addUser({ id: "left-b", status: "inactive", accountId: "acct-b" });
  ws = await makeWorkspace(sim, { ingest: { trashAfterIngest: false, partSizeMiB: 5 } });
  const config = await readJson(join(ws.dir, "zrec.config.json"));
  const zoom = config.zoom as { accounts: Record<string, Record<string, unknown>> };
  // As users are told: the client secret comes from ZOOM_CLIENT_SECRET, not the file.
  delete zoom.accounts.default?.clientSecret;
  zoom.accounts.sales = ACCOUNT_B;
  await writeFile(join(ws.dir, "zrec.config.json"), JSON.stringify(config));
});
afterAll(async () => {
  await sim?.close();
});

const zrec = (args: string[], env = ws.env) => runZrec([...args, "--json"], { cwd: ws.dir, env });
const meetingOf = (hostId: string, topic: string, accountId?: string) =>
  sim.addMeeting({
    topic,
    hostId,
    ...(accountId === undefined ? {} : { accountId }),
    startTime: "2025-03-12T15:00:00Z",
    durationMinutes: 30,
    files: [
      { fileType: "M4A", size: 60_000 },
      { fileType: "TRANSCRIPT", size: 2_000 },
    ],
  });

describe("half-archived and departed-host recordings", () => {
  it("completes a transcript-only ingest with ingest --uuid; the next sweep sees it archived", async () => {
    const meeting = meetingOf("host-a", "Transcript came first");
    const event = sim.recordingEvent(meeting.uuid, { event: "recording.transcript_completed" }) as {
      payload: { object: { recording_files: { file_type: string }[] } };
    };
    event.payload.object.recording_files = event.payload.object.recording_files.filter(
      (f) => f.file_type === "TRANSCRIPT",
    );
    await writeFile(join(ws.dir, "transcript.json"), JSON.stringify(event));
    expect((await zrec(["ingest", "transcript.json"])).code).toBe(0);

    const dry = await zrec(["sweep-missed", "--account", "default", ...WINDOW, "--dry-run"]);
    const found = JSON.parse(dry.stdout).meetings.find((m: { uuid: string }) => m.uuid === meeting.uuid);
    expect(found).toMatchObject({ outcome: "incomplete", reason: expect.stringMatching(/audio_only/) });

    const run = await zrec(["ingest", "--uuid", meeting.uuid]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: "completed", account: "default" });
    const document = await readJson(join(ws.dataDir, meeting.recordingId, "recording_document.json"));
    expect((document.files as { recording_type: string }[]).map((f) => f.recording_type).sort()).toEqual([
      "audio_only",
      "audio_transcript",
    ]);
    const again = await zrec(["ingest", "--uuid", meeting.uuid]);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: "archived" });

    // Trashed at Zoom once archived: still left alone; one never archived is gone, said plainly.
    sim.trash(meeting.uuid);
    const trashed = await zrec(["ingest", "--uuid", meeting.uuid]);
    expect(trashed.code).toBe(0);
    expect(JSON.parse(trashed.stdout)).toMatchObject({ outcome: "archived", reason: /no longer holds/ });
    const never = meetingOf("host-a", "Trashed before any ingest");
    sim.trash(never.uuid);
    const gone = await zrec(["ingest", "--uuid", never.uuid]);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout).error).toMatchObject({ code: "RECORDING_GONE" });
    const byId = await zrec(["ingest", "--uuid", meeting.recordingId]);
    expect(byId.code).toBe(2);
    expect(JSON.parse(byId.stdout).error.message).toMatch(/is a recording id/);
  });

  it("ingest --uuid finds another account's half-archived recording without --account, in any spelling", async () => {
    const meeting = meetingOf("left-b", "Sales: transcript came first", "acct-b");
    const event = sim.recordingEvent(meeting.uuid, { event: "recording.transcript_completed" }) as {
      payload: { object: { recording_files: { file_type: string }[] } };
    };
    event.payload.object.recording_files = event.payload.object.recording_files.filter(
      (f) => f.file_type === "TRANSCRIPT",
    );
    await writeFile(join(ws.dir, "sales-transcript.json"), JSON.stringify(event));
    expect((await zrec(["ingest", "sales-transcript.json"])).code).toBe(0);

    // Unpadded, as a uuid copied without its "==" is: the same meeting, asked of Zoom as Zoom spells it.
    const run = await zrec(["ingest", "--uuid", meeting.uuid.replace(/=+$/, "")]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: "completed", account: "sales" });
    const never = meetingOf("left-b", "Sales: never archived", "acct-b");
    const ingested = await zrec(["ingest", "--uuid", never.uuid]);
    expect(JSON.parse(ingested.stdout)).toMatchObject({ outcome: "ingested", account: "sales" });
  });

  it("sweeps both accounts: a deactivated host's recordings are archived, a pending user is not asked", async () => {
    const departedA = meetingOf("left-a", "Handover A");
    const departedB = meetingOf("left-b", "Handover B", "acct-b");
    const run = await zrec(["sweep-missed", ...WINDOW]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.accounts).toEqual(["default", "sales"]);
    const outcome = (uuid: string) => report.meetings.find((m: { uuid: string }) => m.uuid === uuid);
    expect(outcome(departedA.uuid)).toMatchObject({ outcome: "ingested", account: "default" });
    expect(outcome(departedB.uuid)).toMatchObject({ outcome: "ingested", account: "sales" });
    expect(sim.requests.filter((r) => r.path.includes("invited-b"))).toEqual([]);
  });

  it("runs list, get, purge-old, jobs list and setup without the Zoom client secret", async () => {
    const { ZOOM_CLIENT_SECRET: _secret, ...noSecret } = ws.env;
    const run = (args: string[]) => runZrec([...args, "--json"], { cwd: ws.dir, env: noSecret });
    const list = await run(["list"]);
    expect(list.stderr).toBe("");
    const rows = JSON.parse(list.stdout) as { recording_id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect((await run(["get", rows[0]?.recording_id ?? ""])).code).toBe(0);
    expect((await run(["purge-old", "--dry-run"])).code).toBe(0);
    expect((await run(["jobs", "list"])).code).toBe(0);
    expect((await run(["setup"])).code).toBe(0);
    // A command that talks to Zoom names the missing key.
    const sweep = await runZrec(["sweep-missed", "--account", "default", ...WINDOW], {
      cwd: ws.dir,
      env: noSecret,
    });
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toMatch(/zoom\.accounts\.default\.clientSecret is required to talk to Zoom/);
  });
});
