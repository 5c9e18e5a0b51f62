/**
 * Two copies of the same recording file at once on the folder store. Only `zrec ingest <webhook.json>`
 * takes the per-recording lock; `zrec ingest --uuid`, `sweep-missed` and `zrec serve` do not, so two
 * processes may copy one key at once. The second used to remove the shared part folder (the first's
 * file included) and make its own, which the first then renamed into place half-written: exit 0, a
 * wrong SHA-256 recorded, Zoom trashed. Now the part folder's lock makes the later copy fail with
 * CopyInProgress without touching the folder, and a re-run finishes the recording.
 */
import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  closeRun,
  makeWorkspace,
  runZrec,
  sha256,
  spawnZrec,
  startBackends,
  withArchive,
} from "@zrec/test-utils/cli";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import { startZoomSim } from "@zrec/zoom-sim";
import { expect, it } from "vitest";

const MiB = 1024 * 1024;
const NAME = "shared_screen_with_speaker_view.mp4";

interface Ended {
  code: number | null;
  stderr: string;
}

function started(args: string[], ws: { dir: string; env: Record<string, string> }): Promise<Ended> {
  const child = spawnZrec(args, { cwd: ws.dir, env: ws.env });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  // A hang fails the test at its timeout; the child is killed rather than left behind.
  const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stderr });
    });
  });
}

it.each([
  ["`zrec ingest webhook.json`, and `zrec ingest --uuid` while it copies", "webhook-then-uuid"],
  ["two `zrec ingest --uuid` started together", "uuid-and-uuid"],
] as const)(
  "%s: the stored file is the right one, a run that lost says so, a re-run finishes",
  async (_, how) => {
    // 2 MiB/s per connection, 2 connections: the 10 MiB copy takes about 2.5 s, long enough to overlap.
    const sim = await startZoomSim({ bandwidthBytesPerSecond: 2 * MiB });
    const backends = await startBackends("embedded");
    const ws = await makeWorkspace(
      sim,
      // Not trashed: the re-run asks Zoom for the recording again.
      { ingest: { partSizeMiB: 5, partConcurrency: 2, fileConcurrency: 1, trashAfterIngest: false } },
      backends,
    );
    try {
      const meeting = sim.addMeeting(
        faultMeeting("Copied twice", [{ fileType: "MP4", size: 10 * MiB + 123 }]),
      );
      await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(meeting.uuid)));
      const uuid = ["ingest", "--uuid", meeting.uuid];
      const resume = join(ws.dataDir, ".zrec-tmp", "resume");
      let runs: Promise<Ended>[];
      if (how === "webhook-then-uuid") {
        const first = started(["ingest", "webhook.json"], ws);
        // The second starts once the first holds the part folder (and copies into it).
        const holding = async () =>
          (await readdir(resume).catch(() => [] as string[])).some((folder) =>
            existsSync(join(resume, folder, "lock")),
          );
        while (!(await holding())) await sleep(5);
        runs = [first, started(uuid, ws)];
      } else {
        runs = [started(uuid, ws), started(uuid, ws)];
      }
      const ended = await Promise.all(runs);

      const expected = await sim.expectedSha256(meeting.files[0]?.id ?? "");
      const lost = ended.filter((run) => run.code !== 0);
      // One copy got the part folder and stored the file; the other (if they overlapped, as they are
      // made to) failed with CopyInProgress, exit 1, naming the process that had it.
      expect(lost.length).toBeLessThanOrEqual(1);
      for (const run of lost) {
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(
          new RegExp(
            `another zrec process \\(pid \\d+ on .+\\) is copying ${meeting.recordingId}/${NAME}; run again when it has finished`,
          ),
        );
      }
      if (how === "uuid-and-uuid") expect(lost).toHaveLength(1);
      expect(await stored(meeting.recordingId)).toEqual({
        file: expected,
        metadata: expected,
        document: expected,
      });

      const again = await runZrec(["ingest", "webhook.json"], { cwd: ws.dir, env: ws.env });
      expect(again.code, again.stderr).toBe(0);
      expect(await stored(meeting.recordingId)).toEqual({
        file: expected,
        metadata: expected,
        document: expected,
      });
      // No part folder (nor lock) is left behind.
      expect(await readdir(resume).catch(() => [])).toEqual([]);
    } finally {
      await closeRun(ws, sim, backends);
    }

    /** The SHA-256 of the stored file, and those its metadata and the recording's document record. */
    async function stored(id: string) {
      return withArchive(backends, ws, async ({ store }) => {
        const json = async (key: string) =>
          JSON.parse(Buffer.from((await store.get(key)) ?? "{}").toString());
        const bytes = await store.get(`${id}/${NAME}`);
        const document = (await json(`${id}/recording_document.json`)) as {
          files?: { key: string; sha256: string }[];
        };
        return {
          file: bytes ? sha256(bytes) : "none",
          metadata: (await json(`${id}/shared_screen_with_speaker_view.json`)).sha256,
          document: document.files?.find((f) => f.key === `${id}/${NAME}`)?.sha256,
        };
      });
    }
  },
  30_000,
);
