#!/usr/bin/env node
// The quick-start demo: start zoom-sim with a sample meeting, run a real `zrec ingest` against it on the
// embedded default (a folder, SQLite, an outbox file), and show where everything landed.
import { spawn } from "node:child_process";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startZoomSim } from "../packages/zoom-sim/dist/index.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const demoDir = join(root, ".demo");
const zrec = join(root, "packages/cli/dist/main.js");

await rm(demoDir, { recursive: true, force: true });
await mkdir(demoDir, { recursive: true });
const sim = await startZoomSim();
try {
  sim.addUser({ id: "OU54QJ6tRoGM55Rlt8YiQg", email: "olf_tech_coordinator@example.org" });
  const meeting = sim.addMeeting({
    uuid: "CnIDrQSsRdi9bWp3jyJsZQ==", // the uuid of the real event in zoom-sim/fixtures
    id: 7816381929,
    topic: "OLF Tech Coordinator's Personal Meeting Room",
    hostId: "OU54QJ6tRoGM55Rlt8YiQg",
    startTime: "2022-01-23T15:31:56Z",
    durationMinutes: 2,
    password: "demo-pass",
    files: [
      { fileType: "M4A", size: 2_183_386, recordingType: "audio_only" },
      { fileType: "MP4", size: 24 * 1024 * 1024 + 12_345, recordingType: "shared_screen_with_speaker_view" },
      { fileType: "TIMELINE", size: 4_096 },
    ],
  });
  const account = sim.accounts[0];
  const config = {
    zoom: {
      accounts: {
        default: {
          accountId: account.accountId,
          clientId: account.clientId,
          clientSecret: account.clientSecret,
        },
      },
      apiBaseUrl: sim.apiBaseUrl,
      oauthUrl: sim.oauthUrl,
      allowedDownloadHosts: ["127.0.0.1"],
    },
    storage: { type: "fs", root: "./zrec-data" },
    index: { type: "sqlite", path: "./zrec-data/index.db" },
    notify: { type: "outbox", path: "./zrec-data/outbox.jsonl" },
    ingest: { trashAfterIngest: true },
    organizations: [{ name: "OLF", match: ["OLF", "Foundation"] }],
  };
  await writeFile(join(demoDir, "zrec.config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(
    join(demoDir, "webhook.json"),
    `${JSON.stringify(sim.recordingEvent(meeting.uuid), null, 2)}\n`,
  );

  console.log(`zoom-sim is serving a sample meeting at ${sim.apiBaseUrl}\n`);
  console.log("$ zrec ingest webhook.json   (in .demo/, with .demo/zrec.config.json)\n");
  const status = await run(["ingest", "webhook.json"]);
  if (status !== 0) throw new Error(`zrec ingest exited with ${status}`);

  const dataDir = join(demoDir, "zrec-data");
  console.log("\nWhere it landed:");
  for (const file of await walk(dataDir)) {
    console.log(`  ${relative(root, file).padEnd(76)} ${(await stat(file)).size} bytes`);
  }
  console.log("\nThe index row ($ zrec list):\n");
  await run(["list"]);
  const trashed = sim.trashCalls.length;
  console.log(
    `\nZoom recording moved to trash: ${trashed === 1 ? "yes, once, after everything was stored" : trashed}`,
  );
} finally {
  await sim.close();
}

/** zrec in a child process; not spawnSync, which would freeze the sim living in this process. */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [zrec, ...args], { cwd: demoDir, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

async function walk(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".zrec-tmp")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else files.push(path);
  }
  return files;
}
