import { sweepMissed } from "@zrec/core";
import {
  eachTestArchiveAndSim,
  meetingWithRefusedTrash,
  simPipelineDeps,
  type TestArchive,
} from "@zrec/test-utils/fixtures/tasks";
import type { ZoomSim } from "@zrec/zoom-sim";
import { expect, it } from "vitest";
import { sweepToExecutions } from "./sweep.js";

let sim: ZoomSim;
let archive: TestArchive;
eachTestArchiveAndSim((made) => {
  ({ sim, archive } = made);
});
const window = { from: new Date("2025-03-01T00:00:00Z"), to: new Date("2025-04-30T00:00:00Z") };

it("starts an execution for a recording archived whole whose trash failed, so that it is trashed", async () => {
  const meeting = meetingWithRefusedTrash(sim);
  const deps = simPipelineDeps(
    sim,
    archive,
    { ingest: { trashAfterIngest: true } },
    { retry: { baseDelayMs: 1 } },
  );
  expect((await sweepMissed(deps, { accounts: [], ...window })).meetings[0]?.outcome).toBe("failed");
  sim.clearFaults();

  const started: { payload: { object: { uuid: string } } }[] = [];
  const start = async (event: unknown) => {
    started.push(event as (typeof started)[number]);
    return { execution_name: "x", execution_arn: "arn:x" } as never;
  };
  const report = await sweepToExecutions(deps, start, {
    accounts: [],
    ...window,
    dryRun: false,
    now: new Date(),
  });
  expect(report.meetings[0]).toMatchObject({ outcome: "archived", trashDue: true });
  expect(started.map((event) => event.payload.object.uuid)).toEqual([meeting.uuid]);
});
