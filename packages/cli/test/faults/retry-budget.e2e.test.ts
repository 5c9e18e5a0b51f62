/**
 * Retry budgets are bounded: a download or an API call that fails for good ends `zrec ingest` with
 * exit 1 in bounded time, with the file or request named, nothing trashed and nothing left half-written.
 * The bounds are correctness bounds, generous for a slow CI machine, not speed claims: the default
 * policy (5 tries, 250 ms doubling, Retry-After honoured up to 60 s) makes each of these end within a
 * few seconds; a server stalled for good takes 5 idle timeouts of 30 s, so that case runs only in
 * `pnpm test:faults` (the in-process twin with a short idle timeout is in core's retry-budget.test.ts).
 * The process itself must end too: a copy that failed before hashing anything once left the hashing
 * thread holding the process open for good (fixed in core/src/hash-thread.ts).
 */
import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { closeRun, makeWorkspace, readLines, runZrec } from "@zrec/test-utils/cli";
import { Figures } from "@zrec/test-utils/faults/figures";
import { longRuns } from "@zrec/test-utils/faults/seeded";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import { type FaultRule, startZoomSim } from "@zrec/zoom-sim";
import { afterAll, describe, expect, it } from "vitest";

const MiB = 1024 * 1024;
const figures = new Figures("retry-budget");

afterAll(async () => {
  await figures.write();
});

type Case = [name: string, fault: (fileId: string) => FaultRule, boundSeconds: number, match: RegExp];

const cases: Case[] = [
  [
    "the CDN answers 500 to every request of a file",
    (fileId) => ({ target: "cdn", fileId, kind: "status", status: 500, times: Number.POSITIVE_INFINITY }),
    30,
    /shared_screen_with_speaker_view\.mp4.*answered 500/,
  ],
  [
    "the CDN answers the first range, then 503 for good",
    (fileId) => ({
      target: "cdn",
      fileId,
      kind: "status",
      status: 503,
      skip: 1,
      times: Number.POSITIVE_INFINITY,
    }),
    30,
    /shared_screen_with_speaker_view\.mp4.*answered 503/,
  ],
  [
    "the CDN cuts every body after 64 KiB",
    (fileId) => ({
      target: "cdn",
      fileId,
      kind: "drop",
      afterBytes: 65_536,
      times: Number.POSITIVE_INFINITY,
    }),
    30,
    /shared_screen_with_speaker_view\.mp4/,
  ],
  [
    "the CDN answers 429 with Retry-After: 1 for good",
    (fileId) => ({
      target: "cdn",
      fileId,
      kind: "status",
      status: 429,
      retryAfter: "1",
      times: Number.POSITIVE_INFINITY,
    }),
    40,
    /shared_screen_with_speaker_view\.mp4.*answered 429/,
  ],
  [
    "Zoom's API answers 500 for good",
    () => ({
      target: "api",
      kind: "status",
      status: 500,
      pathIncludes: "/past_meetings/",
      times: Number.POSITIVE_INFINITY,
    }),
    30,
    /past_meetings.*500/,
  ],
  [
    "Zoom's API says its daily limit is used up (Retry-After an hour away)",
    () => ({
      target: "api",
      kind: "status",
      status: 429,
      retryAfter: "3600",
      pathIncludes: "/past_meetings/",
      times: Number.POSITIVE_INFINITY,
    }),
    15,
    /rate limit.*used up/i,
  ],
];

if (longRuns) {
  cases.push([
    "the CDN stalls every body for good (5 idle timeouts of 30 s)",
    (fileId) => ({
      target: "cdn",
      fileId,
      kind: "stall",
      afterBytes: 1024,
      stallMs: 600_000,
      times: Number.POSITIVE_INFINITY,
    }),
    300,
    /shared_screen_with_speaker_view\.mp4.*sent nothing/,
  ]);
}

describe("a file or call that fails for good ends the ingest in bounded time with exit 1", () => {
  // All at once: each spends its time waiting out retries.
  it.concurrent.each(cases)("%s", { timeout: 360_000 }, async (_name, fault, boundSeconds, match) => {
    const sim = await startZoomSim();
    const ws = await makeWorkspace(sim, {
      ingest: { trashAfterIngest: true, partSizeMiB: 5, partConcurrency: 4 },
    });
    try {
      const meeting = sim.addMeeting(
        faultMeeting("Budget", [
          { fileType: "MP4", size: 12 * MiB },
          { fileType: "M4A", size: MiB },
        ]),
      );
      sim.injectFault(fault(meeting.files[0]?.id ?? ""));
      await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(meeting.uuid)));
      const started = Date.now();
      const run = await runZrec(["ingest", "webhook.json"], {
        cwd: ws.dir,
        env: ws.env,
        deadlineMs: boundSeconds * 1000,
      });
      const seconds = (Date.now() - started) / 1000;
      expect(run.killedAtDeadline, "zrec was still running at the bound").toBe(false);
      figures.add("cases");
      figures.addKind("secondsToFail", _name, Math.round(seconds * 10) / 10);
      expect(run.code).toBe(1);
      expect(seconds).toBeLessThan(boundSeconds);
      expect(run.stderr).toMatch(match);
      expect(run.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack
      expect(sim.trashCalls).toEqual([]);
      expect(await readLines(join(ws.dataDir, "outbox.jsonl"))).toEqual([]);
      const temp = join(ws.dataDir, ".zrec-tmp");
      expect(existsSync(temp) ? await readdir(temp) : []).toEqual([]);
      expect(existsSync(join(ws.dataDir, meeting.recordingId, "recording_document.json"))).toBe(false);
      // The number of requests is bounded too: 5 tries per request, a few requests in flight.
      const tries = sim.requests.filter((r) => r.fault !== undefined).length;
      expect(tries).toBeLessThanOrEqual(5 * 4 + 4);
      figures.add("endedInBoundedTime");
    } finally {
      await closeRun(ws, sim);
    }
  });
});
