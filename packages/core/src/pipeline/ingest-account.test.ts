/**
 * An event from a Zoom account the configuration lacks: the error names that account, rather than
 * "trashed or deleted" (the default account, asked instead, does not hold it) or "name the one to use".
 */
import { eachTestArchiveAndSim, type TestArchive } from "@zrec/test-utils/fixtures/tasks";
import { simAccount } from "@zrec/test-utils/zoom-sim";
import type { ZoomSim } from "@zrec/zoom-sim";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { zoomClientsFor } from "./deps.js";
import { runIngest } from "./run-ingest.js";

const A = simAccount("a");
const B = simAccount("b");
const C = simAccount("c");

let sim: ZoomSim;
let archive: TestArchive;
eachTestArchiveAndSim(
  (made) => {
    ({ sim, archive } = made);
  },
  { accounts: [A, B, C] },
);

function depsWith(accounts: Record<string, typeof A>) {
  const config = loadConfig(
    {
      zoom: {
        accounts,
        apiBaseUrl: sim.apiBaseUrl,
        oauthUrl: sim.oauthUrl,
        allowedDownloadHosts: ["127.0.0.1"],
      },
    },
    { env: {}, baseDir: archive.dir },
  );
  return { config, backends: archive.backends, zoom: zoomClientsFor(config) };
}

function eventFromB() {
  sim.addUser({ id: "host-b", accountId: B.accountId });
  const meeting = sim.addMeeting({
    hostId: "host-b",
    accountId: B.accountId,
    startTime: "2025-03-04T15:00:00Z",
    durationMinutes: 30,
    topic: "In account b",
    files: [{ fileType: "CHAT", size: 1_000 }],
  });
  return sim.recordingEvent(meeting.uuid);
}

describe("an event from a Zoom account not configured", () => {
  it("names that account when the default one, asked instead, does not hold the recording", async () => {
    const event = eventFromB();
    await expect(runIngest(event, depsWith({ default: A }))).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringMatching(/from Zoom account acct-b, which no zoom\.accounts entry has/),
    });
    expect(await archive.backends.index.list()).toEqual([]);
  });

  it("names that account when several are configured and none is the default", async () => {
    const event = eventFromB();
    await expect(runIngest(event, depsWith({ eng: A, sales: C }))).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringMatching(/acct-b.*configured: eng, sales/),
    });
  });

  it("is ingested once the account is configured", async () => {
    const event = eventFromB();
    const result = await runIngest(event, depsWith({ default: A, b: B }));
    expect(result).toMatchObject({ status: "ingested" });
  });
});
