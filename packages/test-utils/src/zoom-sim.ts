/** zoom-sim for a test file: started before its tests, with a host to record, and stopped after them. */
import {
  type SimAccount,
  type SimFileSpec,
  type SimMeetingSpec,
  startZoomSim,
  type ZoomSim,
} from "@zrec/zoom-sim";
import { forTheseTests } from "./lifecycle.js";

/**
 * Starts zoom-sim with one user, `host-1` (none with `host: false`), in the file's (or the enclosing
 * describe's) `beforeAll` and closes it in `afterAll`. Returns the running sim, for tests and hooks.
 * @example
 * const sim = useZoomSim();
 * it("ingests", async () => {
 *   const meeting = sim().addMeeting({ topic: "Weekly", files: [{ fileType: "M4A", size: 1000 }] });
 * });
 */
export function useZoomSim(options: { host?: boolean } = {}): () => ZoomSim {
  return forTheseTests("zoom-sim", async () => {
    const sim = await startZoomSim();
    if (options.host !== false) sim.addUser({ id: "host-1" });
    return sim;
  });
}

/** A sim account named by `letter`: `acct-a`, `client-a`, `secret-a` for "a", plus `extra`. */
export function simAccount(
  letter: string,
  extra: Omit<SimAccount, "accountId" | "clientId" | "clientSecret"> = {},
): SimAccount {
  return {
    accountId: `acct-${letter}`,
    clientId: `client-${letter}`,
    clientSecret: `secret-${letter}`,
    ...extra,
  };
}

/**
 * The fault suites' meeting: 30 minutes from 2025-03-04 15:00 UTC, with `files`. What a suite checks
 * lies in the files and the faults, so the rest of the spec is the same everywhere.
 * @example
 * const meeting = sim.addMeeting(faultMeeting("Budget", [{ fileType: "MP4", size: 12 * MiB }]));
 */
export function faultMeeting(topic: string, files: SimFileSpec[]): SimMeetingSpec {
  return { topic, startTime: "2025-03-04T15:00:00Z", durationMinutes: 30, files };
}
