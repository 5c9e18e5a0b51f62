/**
 * Every retry budget is bounded, in process: one file whose every request meets the same fault for good
 * (a stall only the idle timeout ends, a cut body, a short body, a changing total, the whole file where
 * a range was asked, a 5xx, a 429 storm) fails the ingest cleanly, in bounded time and with a bounded
 * number of requests. The idle timeout is 200 ms here, so the stall case that takes minutes with the
 * defaults (packages/cli/test/faults/retry-budget.e2e.test.ts, in `pnpm test:faults`) takes a second.
 */

import { Figures } from "@zrec/test-utils/faults/figures";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import type { FaultRule } from "@zrec/zoom-sim";
import { afterAll, describe, expect, it } from "vitest";
import { runIngest } from "../../src/pipeline/run-ingest.js";
import { attempt, checkRun, MiB, openWorld } from "./ingest-world.js";

const figures = new Figures("retry-budget-core");
afterAll(async () => {
  await figures.write();
});

const forever = Number.POSITIVE_INFINITY;
const cases: [string, Omit<FaultRule, "target" | "fileId">][] = [
  ["a stall after 1 KiB, every time", { kind: "stall", afterBytes: 1024, stallMs: 600_000, times: forever }],
  [
    "a stall before the first byte, every time",
    { kind: "stall", afterBytes: 0, stallMs: 600_000, times: forever },
  ],
  ["a body cut after 100 KiB, every time", { kind: "drop", afterBytes: 100 * 1024, times: forever }],
  ["a body 1 byte short of its Content-Length, every time", { kind: "wrong-size", bytes: 1, times: forever }],
  ["a total off by one, every time", { kind: "short-total", bytes: -1, times: forever }],
  ["the whole file where parts 2+ were asked", { kind: "ignore-range", skip: 1, times: forever }],
  ["500, every time", { kind: "status", status: 500, times: forever }],
  ["429 with Retry-After: 0, every time", { kind: "status", status: 429, retryAfter: "0", times: forever }],
];

describe("a file that fails for good ends the ingest in bounded time", () => {
  it.concurrent.each(cases)("%s", async (name, rule) => {
    const world = await openWorld({ idleTimeoutMs: 200 });
    try {
      const meeting = world.sim.addMeeting(
        faultMeeting("Budget", [
          { fileType: "MP4", size: 12 * MiB },
          { fileType: "M4A", size: MiB },
        ]),
      );
      const doomed = meeting.files[0]?.id ?? "";
      world.sim.injectFault({ ...rule, target: "cdn", fileId: doomed } as FaultRule);
      const started = Date.now();
      const outcome = await attempt(() => runIngest(world.sim.recordingEvent(meeting.uuid), world.deps));
      const seconds = (Date.now() - started) / 1000;
      figures.add("cases");
      figures.addKind("secondsToFail", name, Math.round(seconds * 100) / 100);
      expect(outcome.ok).toBe(false);
      // 5 tries per request, at most 4 requests in flight, idle timeout 200 ms, waits under 100 ms.
      expect(seconds).toBeLessThan(15);
      const requests = world.sim.requests.filter((r) => r.server === "cdn" && r.path.includes(doomed));
      expect(requests.length).toBeLessThanOrEqual(5 * 4 + 4);
      expect(await checkRun(world, meeting, outcome)).toEqual([]);
      figures.add("endedInBoundedTime");
    } finally {
      await world.close();
    }
  });
});
