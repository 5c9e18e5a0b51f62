/**
 * 7. sweep-missed: API requests and wall time of a dry-run sweep over 12 months of one zoom-sim account
 * with 1,000 users (every status that can hold recordings, plus some pending), listed per user against
 * listed by account (GET /accounts/me/recordings for the last six months, per user before that). The
 * sim answers at once and the token bucket is opened wide (1,000/s), so the wall time is zrec's and the
 * sim's work; at Zoom, the request count divided by the account's rate limit is the floor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { fixed, table } from "../lib/format.mjs";

const core = await import("@zrec/core");
const { startZoomSim } = await import("@zrec/zoom-sim");

const USERS = 1_000;
const MEETINGS = 600;
const MONTHS = 12;
const DAY = 86_400_000;

export async function sweep(ctx) {
  const sim = await startZoomSim();
  const dir = await mkdtemp(path.join(ctx.tempDir, "sweep-"));
  try {
    for (let i = 0; i < USERS; i++) {
      const status = i % 10 === 9 ? "inactive" : "active";
      sim.addUser({ id: `user-${i}`, status });
    }
    for (let i = 0; i < 20; i++) sim.addUser({ id: `pending-${i}`, status: "pending" });
    const now = Date.now();
    for (let i = 0; i < MEETINGS; i++) {
      sim.addMeeting({
        hostId: `user-${(i * 7) % USERS}`,
        startTime: new Date(now - ((i * 360) / MEETINGS + 1) * DAY).toISOString(),
        durationMinutes: 30,
        topic: `Meeting ${i}`,
        files: [{ fileType: "CHAT", size: 1_000 }],
      });
    }
    const account = sim.accounts[0];
    const config = core.loadConfig(
      {
        zoom: {
          accounts: { default: account },
          apiBaseUrl: sim.apiBaseUrl,
          oauthUrl: sim.oauthUrl,
          maxRequestsPerSecond: 1000,
        },
        storage: { type: "fs", root: path.join(dir, "store") },
        index: { type: "sqlite", path: path.join(dir, "index.db") },
        notify: { type: "none" },
      },
      { env: {}, baseDir: dir },
    );
    const from = new Date(now - MONTHS * 30 * DAY);
    const to = new Date(now);
    const rows = [];
    const data = [];
    for (const listing of ["per-user", "auto"]) {
      const pipeline = await core.openPipeline(config, { baseDir: dir });
      try {
        const t0 = performance.now();
        const report = await core.sweepMissed(pipeline.deps, {
          accounts: [],
          from,
          to,
          dryRun: true,
          listing,
        });
        const wall = (performance.now() - t0) / 1000;
        const [stats] = report.perAccount;
        ctx.log(
          `sweep: ${listing}: ${stats.requests} requests, ${fixed(wall, 2)} s, ${report.meetings.length} meetings`,
        );
        data.push({
          listing: stats.listing,
          requests: stats.requests,
          wall,
          users: stats.users,
          meetings: report.meetings.length,
        });
        rows.push([
          stats.listing,
          String(stats.requests),
          fixed(wall, 2),
          String(report.meetings.length),
          fixed(stats.requests / 10, 0),
        ]);
      } finally {
        await pipeline.close();
      }
    }
    return {
      sections: [
        {
          heading: `${USERS} users (${USERS / 10} inactive, 20 pending), ${MEETINGS} meetings over ${MONTHS} months, dry run`,
          table: table(
            ["listing", "API requests", "wall time (s)", "meetings found", "at 10 requests/s (s)"],
            rows,
          ),
        },
      ],
      targets: [],
      data,
    };
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}
