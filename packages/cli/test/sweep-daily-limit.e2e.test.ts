/**
 * `zrec sweep-missed` (the built CLI) over two Zoom accounts when one of them has used up Zoom's daily API
 * limit: that account's sweep stops at its first request with a sentence saying when the limit resets,
 * instead of retrying for hours, and the other account's missed recording is still archived.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeWorkspace, readJson, runZrec } from "@zrec/test-utils/cli";
import { type SimMeeting, startZoomSim, type ZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const OPEN = { accountId: "acct-open", clientId: "client-open", clientSecret: "client-secret-open" };
// 0: Zoom answers this account's very first API request of the day with the daily-limit 429.
const SPENT = {
  accountId: "acct-spent",
  clientId: "client-spent",
  clientSecret: "client-secret-spent",
  dailyRequestLimit: 0,
};

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe("zrec sweep-missed when one account's daily limit is used up", () => {
  let sim: ZoomSim;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let open: SimMeeting;
  let spent: SimMeeting;

  beforeAll(async () => {
    sim = await startZoomSim({ accounts: [OPEN, SPENT] });
    sim.addUser({ id: "host-open", accountId: OPEN.accountId });
    sim.addUser({ id: "host-spent", accountId: SPENT.accountId });
    const meeting = (hostId: string, topic: string) =>
      sim.addMeeting({
        hostId,
        topic,
        startTime: `${day(3)}T15:00:00Z`,
        durationMinutes: 30,
        files: [{ fileType: "M4A", size: 50_000 }],
      });
    open = meeting("host-open", "Open account weekly");
    spent = meeting("host-spent", "Spent account weekly");
    const { dailyRequestLimit: _limit, ...spentAccount } = SPENT;
    ws = await makeWorkspace(sim, {
      zoom: {
        accounts: { open: OPEN, spent: spentAccount },
        apiBaseUrl: sim.apiBaseUrl,
        oauthUrl: sim.oauthUrl,
        allowedDownloadHosts: ["127.0.0.1"],
        maxRequestsPerSecond: 1000,
      },
      ingest: { trashAfterIngest: false },
    });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it("stops that account at once, saying until when, archives the other's recording and exits 1", async () => {
    const { ZOOM_CLIENT_SECRET: _unused, ...env } = ws.env;
    const started = Date.now();
    const run = await runZrec(["sweep-missed", "--from", day(7), "--to", day(0)], {
      cwd: ws.dir,
      env,
      deadlineMs: 20_000,
    });

    expect(run.killedAtDeadline).toBe(false);
    // No retrying until the limit resets: the whole sweep takes seconds.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.code).toBe(1);
    // zoom-sim resets the limit at the next 00:00 UTC, as Zoom does.
    const midnight = new Date(`${day(-1)}T00:00:00.000Z`).toISOString();
    expect(run.stderr).toMatch(/^zrec: account spent: [^\n]*\n$/);
    expect(run.stderr).toContain(
      `Zoom's daily API rate limit for account acct-spent is used up until ${midnight} (`,
    );
    expect(run.stdout).toMatch(/^ {2}spent: .*; stopped by Zoom's daily limit$/m);
    expect(run.stdout).toMatch(/^ {2}open: listed by account listing, \d+ API requests$/m);
    expect(run.stdout).toMatch(new RegExp(`^ingested .*${open.recordingId}.*Open account weekly`, "m"));
    expect(run.stdout).not.toContain(spent.recordingId);

    const documentOf = (m: SimMeeting) => join(ws.dataDir, m.recordingId, "recording_document.json");
    expect(await readJson(documentOf(open))).toMatchObject({
      meeting_topic: open.topic,
      zoom_account: "open",
    });
    expect(existsSync(join(ws.dataDir, open.recordingId, "audio_only.m4a"))).toBe(true);
    expect(existsSync(documentOf(spent))).toBe(false);
    // Only the spent account is limited: one 429 in all, so its listing was not retried.
    expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });
});
