/**
 * A new user's first hour (#15), end to end on the embedded backends: read-only commands, and commands
 * refused on their configuration, create nothing and say which configuration and path they looked at;
 * an empty index over a full store points at rebuild-db; `list` ignores the organisation's case and shows topics; a bad disposition is refused;
 * a recording Zoom no longer holds is its own outcome, with nothing written.
 */
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeWorkspace, runZrec } from "@zrec/test-utils/cli";
import { useZoomSim } from "@zrec/test-utils/zoom-sim";
import { describe, expect, it } from "vitest";

type Workspace = Awaited<ReturnType<typeof makeWorkspace>>;
const sim = useZoomSim();

function addMeeting(topic: string) {
  return sim().addMeeting({
    topic,
    startTime: "2025-10-31T12:07:29Z",
    durationMinutes: 20,
    files: [{ fileType: "M4A", recordingType: "audio_only", size: 200_000 }],
  });
}

async function ingest(ws: Workspace, meeting: { uuid: string }, ...args: string[]) {
  await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim().recordingEvent(meeting.uuid)));
  return runZrec(["ingest", "webhook.json", ...args], { cwd: ws.dir, env: ws.env });
}

describe("read-only commands only read", () => {
  it("list, get, purge-old, rebuild-db and jobs list exit 2 naming the configuration and path, creating nothing", async () => {
    const ws = await makeWorkspace(sim());
    const id = "0a7203ad-04ac-45d8-bd6d-6a778f226c65";
    for (const args of [["list"], ["get", id], ["purge-old"], ["purge-old", "--yes"], ["rebuild-db"]]) {
      const run = await runZrec(args, { cwd: ws.dir, env: ws.env });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(
        /zrec-data.* does not exist \((storage\.root|index\.path) in zrec\.config\.json\)/,
      );
      expect(run.stderr).toMatch(/zrec rebuild-db/);
    }
    const jobs = await runZrec(["jobs", "list"], { cwd: ws.dir, env: ws.env });
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toMatch(/There is no job queue at .*index\.db \(from zrec\.config\.json\)/);
    // Commands that would write, refused on what the configuration alone shows: nothing is created either.
    const refused = [
      [["ingest", "--uuid", "JBsMlrqB5IeU+WgyF/TGyw==", "--account", "nope"], /No Zoom account named "nope"/],
      [["sweep-missed", "--account", "nope"], /No Zoom account named "nope"/],
      [["sweep-missed", "--from", "2025-05-01", "--to", "2025-04-01"], /2025-05-01.*2025-04-01/],
    ] as const;
    for (const [args, message] of refused) {
      const run = await runZrec([...args], { cwd: ws.dir, env: ws.env });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect(await readdir(ws.dir)).toEqual(["zrec.config.json"]);

    // Without any configuration the message says the embedded default was used, and where. A client
    // secret in the environment (as the README says to export) does not matter to a command that never
    // talks to Zoom, even with no account to complete.
    const secret = { ZOOM_CLIENT_SECRET: "exported-for-another-folder" };
    const empty = await runZrec(["list", "--json"], { cwd: "/", env: secret });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the embedded default, no zrec\.config\.\* in \/\)/);
    expect(JSON.parse(empty.stdout).error.code).toBe("CONFIG_INVALID");

    // A script that forgot the subcommand gets the usage error as JSON on stdout, not the help.
    const usage = await runZrec(["--json", "jobs"], { cwd: ws.dir, env: ws.env });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      error: {
        code: "USAGE",
        message: "zrec jobs needs a subcommand (list or retry).",
        suggestion: 'Run "zrec jobs --help" to see how it is used.',
      },
    });
    expect(usage.stderr).not.toMatch(/Usage:/);
  });

  it("ingest says once what it created; an index moved away or empty says to run rebuild-db", async () => {
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: false, partSizeMiB: 5 } });
    const meeting = addMeeting("OLF weekly");
    const first = await ingest(ws, meeting);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created {3}.*zrec-data \(storage\.root in zrec\.config\.json\)/);
    expect(first.stdout).toMatch(/created {3}.*index\.db \(index\.path in zrec\.config\.json\)/);
    const again = await ingest(ws, meeting);
    expect(again.stdout).not.toMatch(/created/);

    await rename(join(ws.dataDir, "index.db"), join(ws.dir, "moved.db"));
    const moved = await runZrec(["list"], { cwd: ws.dir, env: ws.env });
    expect(moved.code).toBe(2);
    expect(moved.stderr).toMatch(
      /The index .*index\.db does not exist \(index\.path in zrec\.config\.json\)/,
    );
    expect(await readdir(ws.dataDir)).not.toContain("index.db");

    expect((await runZrec(["setup"], { cwd: ws.dir, env: ws.env })).code).toBe(0);
    const empty = await runZrec(["list"], { cwd: ws.dir, env: ws.env });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/The index holds no recordings, but the store does/);
    expect(empty.stderr).toMatch(/Run `zrec rebuild-db`/);

    const rebuilt = await runZrec(["rebuild-db"], { cwd: ws.dir, env: ws.env });
    expect(rebuilt.code).toBe(0);
    // One document, in the singular; a rate over a few milliseconds ("4 ms, 250/s") means nothing.
    expect(rebuilt.stdout).toMatch(/^Indexed 1 recording document from .*\(1 read, 0 bad, \d+(\.\d)? m?s/);
    expect(rebuilt.stdout).not.toMatch(/ ms, /);
    const listed = await runZrec(["list"], { cwd: ws.dir, env: ws.env });
    expect(listed.stdout).toContain(meeting.recordingId);
    const site = await runZrec(["site", "build"], { cwd: ws.dir, env: ws.env });
    expect(site.code, site.stderr).toBe(0);
    expect(site.stdout).toMatch(
      /: 1 recording published, 1 page built, 0 withdrawn \(\d+ files written, 0 removed\)\.$/m,
    );
  });
});

describe("zrec list", () => {
  it("matches --organization in any case and shows the topic", async () => {
    const ws = await makeWorkspace(sim(), {
      ingest: { trashAfterIngest: false, partSizeMiB: 5 },
      organizations: [{ name: "FOLIO", match: ["FOLIO"] }],
    });
    const folio = addMeeting("FOLIO Sys Ops & Management SIG");
    const other = addMeeting("Budget review");
    for (const m of [folio, other]) expect((await ingest(ws, m)).code).toBe(0);

    for (const name of ["folio", "FOLIO", "Folio"]) {
      const run = await runZrec(["list", "--organization", name, "--json"], { cwd: ws.dir, env: ws.env });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).map((d: { recording_id: string }) => d.recording_id)).toEqual([
        folio.recordingId,
      ]);
    }
    const table = await runZrec(["list"], { cwd: ws.dir, env: ws.env });
    expect(table.stdout.split("\n")[0]).toMatch(/files {2}topic$/);
    expect(table.stdout).toMatch(/FOLIO Sys Ops & Management SIG$/m);
    expect(table.stdout).toMatch(/Budget review$/m);
  });
});

describe("dispositions", () => {
  it("reindex refuses an unknown action, naming the field and the allowed values; nothing changes", async () => {
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: false, partSizeMiB: 5 } });
    const meeting = addMeeting("Budget review");
    expect((await ingest(ws, meeting)).code).toBe(0);
    const got = await runZrec(["get", meeting.recordingId, "--output", "doc.json"], {
      cwd: ws.dir,
      env: ws.env,
    });
    expect(got.code).toBe(0);
    const document = JSON.parse(await readFile(join(ws.dir, "doc.json"), "utf8"));
    const stored = await readFile(join(ws.dataDir, meeting.recordingId, "recording_document.json"), "utf8");
    await writeFile(
      join(ws.dir, "doc.json"),
      JSON.stringify({ ...document, disposition: { action: "remove", after: "2025-01-31" } }),
    );
    const run = await runZrec(["reindex", "doc.json"], { cwd: ws.dir, env: ws.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /"disposition\.action" should be one of "delete", "keep", "unpublish" but is "remove"/,
    );
    expect(await readFile(join(ws.dataDir, meeting.recordingId, "recording_document.json"), "utf8")).toBe(
      stored,
    );
  });
});

describe("one ingest of a recording at a time", () => {
  it("a second concurrent ingest waits for the first: the file is copied once and notified once", async () => {
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: false, partSizeMiB: 5 } });
    const meeting = addMeeting("Budget review");
    const fileId = meeting.files[0]?.id ?? "";
    // The first copy stalls for 3 s, so the second ingest starts while the first holds the recording.
    sim().injectFault({ target: "cdn", fileId, kind: "stall", stallMs: 3_000 });
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim().recordingEvent(meeting.uuid)));
    const before = sim().requests.filter((r) => r.server === "cdn" && r.path.includes(fileId)).length;
    const args = ["ingest", "webhook.json", "--json"];
    const first = runZrec(args, { cwd: ws.dir, env: ws.env });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await runZrec(args, { cwd: ws.dir, env: ws.env });
    const runs = [await first, second];
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(second.stderr).toMatch(/another zrec ingest of recording .* is running; waiting for it to finish/);
    const notified = runs.map((run) => JSON.parse(run.stdout).notified).sort();
    expect(notified).toEqual([false, true]);
    expect(sim().requests.filter((r) => r.server === "cdn" && r.path.includes(fileId)).length - before).toBe(
      1,
    );
    const outbox = (await readFile(join(ws.dataDir, "outbox.jsonl"), "utf8")).trim().split("\n");
    expect(outbox).toHaveLength(1);
    expect(await readdir(join(ws.dataDir, ".zrec-tmp"))).toEqual([]);
  });
});

describe("gone is gone", () => {
  it("an event for a recording Zoom no longer holds writes nothing: exit 1, no retry advice", async () => {
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: true, partSizeMiB: 5 } });
    const meeting = addMeeting("Budget review");
    const first = await ingest(ws, meeting);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/trashed {3}yes/);
    // The archive that trashed it may run it again: nothing changes, nothing fails.
    const again = await ingest(ws, meeting, "--json");
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "ingested", notified: false });

    // Another archive (or a lost one) gets a sentence, and nothing is written.
    const fresh = await makeWorkspace(sim(), { ingest: { trashAfterIngest: true, partSizeMiB: 5 } });
    expect((await runZrec(["setup"], { cwd: fresh.dir, env: fresh.env })).code).toBe(0);
    const entries = async () => (await readdir(fresh.dataDir)).filter((name) => name !== ".zrec-tmp").sort();
    const before = await entries();
    const gone = await ingest(fresh, meeting, "--json");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(
      `zrec: Zoom no longer holds recording ${meeting.recordingId} (it was trashed or deleted); nothing to copy.\n`,
    );
    expect(JSON.parse(gone.stdout).error.code).toBe("RECORDING_GONE");
    expect(await entries()).toEqual(before);
  });
});
