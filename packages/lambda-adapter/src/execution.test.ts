import { readFile } from "node:fs/promises";
import { ConfigError, type ZoomRecordingEvent } from "@zrec/core";
import { REAL_EVENT_FILE } from "@zrec/zoom-sim";
import { describe, expect, it } from "vitest";
import { executionName, executionStarter } from "./execution.js";

const fixture = REAL_EVENT_FILE;
const load = async () => JSON.parse(await readFile(fixture, "utf8")) as ZoomRecordingEvent;
const NAME = /^[A-Za-z0-9_-]{1,80}$/;

describe("executionName", () => {
  it("is the same for a re-delivery of one event, and a valid Step Functions name", async () => {
    const event = await load();
    const name = executionName(event, { kind: "webhook" });
    expect(name).toMatch(NAME);
    expect(name.startsWith("0a7203ad-04ac-45d8-bd6d-6a778f226c65-completed-")).toBe(true);
    // Zoom may hand out a fresh download token; the delivery is the same event all the same.
    expect(executionName({ ...event, download_token: "another" }, { kind: "webhook" })).toBe(name);
  });

  it("differs for another event of the same recording", async () => {
    const event = await load();
    const name = executionName(event, { kind: "webhook" });
    const transcript = executionName(
      { ...event, event: "recording.transcript_completed" },
      { kind: "webhook" },
    );
    expect(transcript).toMatch(/-transcript-/);
    expect(executionName({ ...event, event_ts: (event.event_ts ?? 0) + 1 }, { kind: "webhook" })).not.toBe(
      name,
    );
    expect(transcript).not.toBe(name);
  });

  it("is new for each manual start and for each day of sweeping", async () => {
    const event = await load();
    const at = new Date("2025-01-31T23:59:59Z");
    expect(executionName(event, { kind: "manual", at })).toBe(
      `0a7203ad-04ac-45d8-bd6d-6a778f226c65-manual-${at.getTime()}`,
    );
    expect(executionName(event, { kind: "sweep", at })).toBe(
      "0a7203ad-04ac-45d8-bd6d-6a778f226c65-sweep-2025-01-31",
    );
    expect(executionName(event, { kind: "manual", at })).toMatch(NAME);
  });
});

describe("executionStarter", () => {
  it("refuses to start without ZREC_STATE_MACHINE_ARN, naming it", async () => {
    const start = executionStarter({});
    await expect(start(await load(), { kind: "webhook" })).rejects.toThrow(ConfigError);
    await expect(start(await load(), { kind: "webhook" })).rejects.toThrow(/ZREC_STATE_MACHINE_ARN/);
  });
});
