/** sweep-missed over several accounts: account-level listing, its scope fallback, and the daily limit. */

import { eachTestArchiveAndSim, type TestArchive } from "@zrec/test-utils/fixtures/tasks";
import { simAccount } from "@zrec/test-utils/zoom-sim";
import { ACCOUNT_RECORDINGS_SCOPE, DEFAULT_SCOPES, type ZoomSim } from "@zrec/zoom-sim";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { type PipelineDeps, zoomClientsFor } from "../pipeline/deps.js";
import { monthWindows } from "../zoom/paging.js";
import { sweepMissed } from "./sweep-missed.js";

const A = simAccount("a");
const B = simAccount("b", { scopes: DEFAULT_SCOPES.filter((scope) => scope !== ACCOUNT_RECORDINGS_SCOPE) });
const C = simAccount("c", { dailyRequestLimit: 1 });

let sim: ZoomSim;
let archive: TestArchive;
eachTestArchiveAndSim(
  (made) => {
    ({ sim, archive } = made);
  },
  { accounts: [A, B, C] },
);

function depsFor(): PipelineDeps {
  const strip = ({ accountId, clientId, clientSecret }: typeof A) => ({ accountId, clientId, clientSecret });
  const config = loadConfig(
    {
      zoom: {
        accounts: { a: strip(A), b: strip(B), c: strip(C) },
        apiBaseUrl: sim.apiBaseUrl,
        oauthUrl: sim.oauthUrl,
        allowedDownloadHosts: ["127.0.0.1"],
      },
    },
    { env: {}, baseDir: archive.dir },
  );
  return { config, backends: archive.backends, zoom: zoomClientsFor(config) };
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

describe("sweepMissed over several accounts", () => {
  it("lists recent months per account, falls back per user without the scope, and stops one account at its daily limit", async () => {
    for (const account of [A, B, C]) {
      for (let i = 1; i <= 4; i++)
        sim.addUser({ id: `${account.accountId}-user-${i}`, accountId: account.accountId });
      sim.addMeeting({
        hostId: `${account.accountId}-user-3`,
        startTime: daysAgo(10).toISOString(),
        durationMinutes: 30,
        topic: `Recent in ${account.accountId}`,
        files: [{ fileType: "CHAT", size: 1_000 }],
      });
    }
    const deps = depsFor();
    const report = await sweepMissed(deps, { accounts: [], from: daysAgo(40), to: daysAgo(0), dryRun: true });

    const [a, b, c] = report.perAccount;
    expect(a).toMatchObject({ account: "a", listing: "account", users: 0 });
    // One call per calendar month of the window; no user listed.
    expect(a?.requests).toBe(monthWindows(daysAgo(40), daysAgo(0)).length);
    expect(b).toMatchObject({ account: "b", listing: "per-user", users: 4 });
    expect(b?.fallback).toMatch(/refused.*4711/);
    expect(b?.requests).toBeGreaterThan(8);
    expect(c?.stopped).toMatch(
      /daily API rate limit for account acct-c is used up until \d{4}-\d{2}-\d{2}T00:00:00/,
    );
    expect(report.meetings.map((m) => [m.account, m.outcome]).sort()).toEqual([
      ["a", "would-ingest"],
      ["b", "would-ingest"],
    ]);
  });

  it("goes on past an account whose credentials Zoom refuses, and reports it; all refused throws", async () => {
    sim.addUser({ id: "a-host", accountId: A.accountId });
    sim.addMeeting({
      hostId: "a-host",
      startTime: daysAgo(5).toISOString(),
      durationMinutes: 30,
      topic: "Recent in a",
      files: [{ fileType: "CHAT", size: 1_000 }],
    });
    const deps = depsFor();
    const broken = { ...deps.config.zoom.accounts };
    broken.b = { ...(broken.b as (typeof broken)["a"]), clientSecret: "wrong" };
    const config = { ...deps.config, zoom: { ...deps.config.zoom, accounts: broken } };
    const withBroken: PipelineDeps = { ...deps, config, zoom: zoomClientsFor(config) };
    const window = { from: daysAgo(40), to: daysAgo(0), dryRun: true };
    // b (refused) before a: a is still swept.
    const report = await sweepMissed(withBroken, { accounts: ["b", "a"], ...window });
    expect(report.perAccount.find((r) => r.account === "b")?.failed).toMatch(/credentials|401|invalid/i);
    expect(report.meetings.map((m) => [m.account, m.outcome])).toEqual([["a", "would-ingest"]]);
    await expect(sweepMissed(withBroken, { accounts: ["b"], ...window })).rejects.toMatchObject({
      code: "ZOOM_AUTH",
    });
  });

  it("lists per user when asked to, for comparison", async () => {
    sim.addUser({ id: "only", accountId: "acct-a" });
    const deps = depsFor();
    const report = await sweepMissed(deps, {
      accounts: ["a"],
      from: daysAgo(5),
      to: daysAgo(0),
      dryRun: true,
      listing: "per-user",
    });
    // Active and inactive users, then one call per month for the one user.
    const requests = 2 + monthWindows(daysAgo(5), daysAgo(0)).length;
    expect(report.perAccount).toEqual([{ account: "a", listing: "per-user", users: 1, requests }]);
  });
});
