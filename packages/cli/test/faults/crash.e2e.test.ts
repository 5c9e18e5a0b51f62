/**
 * Crash safety: `zrec ingest` (the built CLI) killed with SIGKILL at a random moment of an ingest (the
 * sim's bandwidth cap makes one take a second or two, so the moment falls anywhere from start-up to
 * the last step), then the same webhook ingested again. The re-run must complete with every file
 * byte-identical, one index row, one notification, and the recording trashed once, after every
 * download. A kill between the notification and the index row makes the re-run send the notification
 * again, with the same id, which the outbox drops (docs/decisions.md, "One announcement per content").
 *
 * Normal suite: three seeds on the embedded backends. `pnpm test:faults`: ZREC_FAULT_RUNS / 2 seeds, a
 * few at a time, every third on S3 + DynamoDB (s3rver, dynalite). Figures:
 * crash.json. Replay: `ZREC_FAULT_SEED=<seed> npx vitest run packages/cli/test/faults/crash.e2e.test.ts`.
 */
import { existsSync, statSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  closeRun,
  ingestKilledWhen,
  makeWorkspace,
  readLines,
  runZrec,
  sha256,
  startBackends,
  withArchive,
} from "@zrec/test-utils/cli";
import { Figures } from "@zrec/test-utils/faults/figures";
import { longRuns, seeded, seedsFor } from "@zrec/test-utils/faults/seeded";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, describe, expect, it } from "vitest";

const MiB = 1024 * 1024;
type Sim = Awaited<ReturnType<typeof startZoomSim>>;
const figures = new Figures("crash");
const seeds = seedsFor([7, 23, 42], 0.5);

afterAll(async () => {
  await figures.write({ seeds: { first: seeds[0], count: seeds.length } });
});

/**
 * When to kill, from the seed: at a random time, or the moment something is seen happening, so that the
 * short windows at the end of an ingest (document, notification, row, trash) are hit as often as the
 * long copy: a downloads count, the outbox getting its line, Zoom asked for the file list or the trash.
 */
type Trigger = { kind: string; due: () => boolean };
function triggerFor(rng: ReturnType<typeof seeded>, sim: Sim, outbox: string): Trigger {
  const started = Date.now();
  const kind = rng.pick(["time", "time", "downloads", "notified", "listing", "trash"] as const);
  switch (kind) {
    case "time": {
      const delay = rng.int(0, 2_500);
      return { kind: `time ${delay} ms`, due: () => Date.now() - started >= delay };
    }
    case "downloads": {
      const count = rng.int(1, 5);
      return {
        kind: `after ${count} downloads`,
        due: () => sim.requests.filter((r) => r.server === "cdn").length >= count,
      };
    }
    case "notified":
      return { kind: "outbox written", due: () => existsSync(outbox) && statSync(outbox).size > 0 };
    case "listing":
      return {
        kind: "file list asked",
        due: () => sim.requests.some((r) => r.method === "GET" && r.path.endsWith("/recordings")),
      };
    case "trash":
      return { kind: "trash asked", due: () => sim.requests.some((r) => r.method === "DELETE") };
  }
}

async function runSeed(seed: number): Promise<string[]> {
  const rng = seeded(seed);
  const problems: string[] = [];
  // 4 MiB/s per connection, 4 connections: the copy itself takes a second or so.
  const sim = await startZoomSim({ bandwidthBytesPerSecond: 4 * MiB });
  // The long runs put every third seed on S3 + DynamoDB (s3rver, dynalite).
  const kind = longRuns && seed % 3 === 0 ? "aws" : "embedded";
  const backends = await startBackends(kind);
  const ws = await makeWorkspace(
    sim,
    { ingest: { trashAfterIngest: true, partSizeMiB: 5, partConcurrency: 4, fileConcurrency: 3 } },
    backends,
  );
  figures.addKind("backends", kind);
  try {
    const meeting = sim.addMeeting({
      topic: `Crash ${seed}`,
      startTime: "2025-03-04T15:00:00Z",
      durationMinutes: 30,
      files: [
        { fileType: "MP4", size: rng.int(6 * MiB, 14 * MiB) },
        { fileType: "M4A", size: rng.int(MiB, 4 * MiB) },
        { fileType: "TIMELINE", size: rng.int(1_000, 50_000) },
      ],
    });
    const id = meeting.recordingId;
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(meeting.uuid)));
    const outbox = join(ws.dataDir, "outbox.jsonl");
    const trigger = triggerFor(rng, sim, outbox);
    const crash = await ingestKilledWhen(trigger.due, ws.dir, ws.env);
    figures.add("runs");
    figures.add(crash.killed ? "killed" : "finishedBeforeTheKill");
    figures.addKind("killTrigger", trigger.kind.replace(/\d+/g, "N"));

    // What the kill left.
    const notesAfterCrash = (await readLines(outbox)).filter((m) => m.recording_id === id).length;
    const listed = await runZrec(["list", "--json"], { cwd: ws.dir, env: ws.env });
    const rowAfterCrash = listed.code === 0 && listed.stdout.includes(id);
    const stage =
      notesAfterCrash === 0
        ? "before-notify"
        : !rowAfterCrash
          ? "between-notify-and-row"
          : sim.trashCalls.length === 0
            ? "after-row"
            : "after-trash";
    if (crash.killed) figures.addKind("killedAt", stage);

    // The same webhook again, at full speed.
    sim.setBandwidth(undefined);
    const again = await runZrec(["ingest", "webhook.json", "--json"], { cwd: ws.dir, env: ws.env });
    if (again.killedAtDeadline) problems.push("the re-run did not end");
    if (again.code !== 0) problems.push(`re-run exit ${again.code}: ${again.stderr.trim()}`);
    const result = again.code === 0 ? JSON.parse(again.stdout) : undefined;
    if (result && result.status !== "ingested") problems.push(`re-run status ${result.status}`);

    // Every file whole.
    const names: Record<string, string> = {
      MP4: "shared_screen_with_speaker_view.mp4",
      M4A: "audio_only.m4a",
      TIMELINE: "timeline.vtt",
    };
    const stored = await withArchive(backends, ws, async ({ store }) => {
      const hashes: Record<string, string | undefined> = {};
      for (const name of Object.values(names)) {
        const bytes = await store.get(`${id}/${name}`);
        hashes[name] = bytes && sha256(bytes);
      }
      return hashes;
    });
    for (const file of meeting.files) {
      const name = names[file.fileType] ?? "?";
      if (stored[name] !== (await sim.expectedSha256(file.id))) {
        problems.push(`${name} not byte-identical after the re-run`);
        figures.add("filesLost");
      }
    }
    // One row.
    const rows = JSON.parse(
      (await runZrec(["list", "--json"], { cwd: ws.dir, env: ws.env })).stdout,
    ) as unknown[];
    const ours = rows.filter((row) => JSON.stringify(row).includes(id));
    if (ours.length !== 1) problems.push(`${ours.length} index rows`);
    // One notification, wherever the kill fell.
    const notes = (await readLines(outbox)).filter((m) => m.recording_id === id).length;
    if (notes !== 1) problems.push(`${notes} notifications (kill left stage ${stage})`);
    if (notes > 1) figures.add("secondNotification");
    // Trashed once, after every download.
    const trashed = sim.trashCalls.filter((call) => call.status === 204);
    if (trashed.length !== 1) problems.push(`${trashed.length} successful trash calls`);
    const firstDelete = sim.requests.findIndex((r) => r.method === "DELETE");
    const lastCdn = sim.requests.map((r) => r.server).lastIndexOf("cdn");
    if (firstDelete === -1 || firstDelete < lastCdn) problems.push("a download came after the trash call");
    // What a kill leaves is cleaned by the next run: the folder store's temporary files, and on S3 the
    // killed multipart uploads of the keys the re-run completes.
    const temp = join(ws.dataDir, ".zrec-tmp");
    const left = existsSync(temp) ? await readdir(temp) : [];
    if (left.length > 0) {
      figures.add("tempFilesLeft", left.length);
      problems.push(`${left.length} unfinished writes left in .zrec-tmp: ${left.join(", ")}`);
    }
    const pending = await backends.pendingUploads();
    if (pending.length > 0) {
      figures.add("s3UploadsLeft", pending.length);
      problems.push(`${pending.length} multipart uploads left: ${pending.map((u) => u.key).join(", ")}`);
    }
    if (problems.length > 0)
      figures.note(`seed ${seed} (kill at ${trigger.kind}, ${stage}): ${problems.join("; ")}`);
    else figures.add("completedAfterCrash");
    return problems;
  } finally {
    await closeRun(ws, sim, backends);
  }
}

describe("zrec ingest killed with SIGKILL at a random moment, then run again", () => {
  const each = longRuns ? it.concurrent.each(seeds) : it.each(seeds);
  each("seed %i: the re-run completes; one row, one notification, trashed once at the end", async (seed) => {
    expect(await runSeed(seed), `replay: ZREC_FAULT_SEED=${seed}`).toEqual([]);
  });
});
