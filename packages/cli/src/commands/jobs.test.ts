import { JOB_STATES as coreStates } from "@zrec/core/archive";
import { describe, expect, it } from "vitest";
import { JOB_STATES } from "./jobs.js";

describe("zrec jobs list --state", () => {
  it("offers exactly the states core's queue has", () => {
    expect(JOB_STATES).toEqual(coreStates);
  });
});
