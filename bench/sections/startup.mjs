/**
 * 6. CLI start-up: the built `zrec --help`, and the interactive commands `list --limit 20`, `get <id>`
 * and `jobs list` on an archive of 10,000 recordings (folder + SQLite, indexed by `zrec rebuild-db`
 * first), each against `node -e 0`, medians of fresh processes; and `purge-old --dry-run` over the same
 * 10,000, every one of them due (`purge.olderThanDays`), which reads the whole index.
 */
import { readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeCommand } from "../lib/child.mjs";
import { fixed, median, table, target } from "../lib/format.mjs";
import { writeLegacyFolders } from "../lib/legacy-archive.mjs";

const ZREC = fileURLToPath(new URL("../../packages/cli/dist/zrec.cjs", import.meta.url));
const RECORDINGS = 10_000;

export async function startup(ctx) {
  const runs = ctx.full ? 40 : 10;
  const dir = path.join(ctx.workDir, "startup");
  await mkdir(dir, { recursive: true });
  ctx.log(`startup: an archive of ${RECORDINGS} recordings`);
  const config = {
    storage: { type: "fs", root: "./zrec-data" },
    index: { type: "sqlite", path: "./zrec-data/index.db" },
    notify: { type: "none" },
    purge: { olderThanDays: 30 },
  };
  await writeFile(path.join(dir, "zrec.config.json"), JSON.stringify(config));
  writeLegacyFolders(path.join(dir, "zrec-data"), RECORDINGS);
  const id = readdirSync(path.join(dir, "zrec-data"))[0];
  const zrec = async (args) => {
    const run = await timeCommand(process.execPath, [ZREC, ...args], { cwd: dir });
    if (run.code !== 0) throw new Error(`zrec ${args.join(" ")} exited with ${run.code}: ${run.stderr}`);
    return run;
  };
  await zrec(["rebuild-db", "--quiet"]);

  ctx.log(`startup: node -e 0, zrec --help, list, get, jobs list, ${runs} runs each`);
  const commands = {
    "node -e 0": [process.execPath, ["-e", "0"]],
    "zrec --help": [process.execPath, [ZREC, "--help"]],
    "zrec list --limit 20": [process.execPath, [ZREC, "list", "--limit", "20"]],
    "zrec get <id>": [process.execPath, [ZREC, "get", id]],
    "zrec jobs list": [process.execPath, [ZREC, "jobs", "list"]],
  };
  const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  const load = [];
  // Two warm-ups each (file cache), then alternate so that drift hits all alike.
  for (let i = -2; i < runs; i++) {
    load.push(os.loadavg()[0]);
    for (const [name, [command, args]] of Object.entries(commands)) {
      const run = await timeCommand(command, args, { cwd: dir });
      if (run.code !== 0) throw new Error(`${name} exited with ${run.code}: ${run.stderr}`);
      if (i >= 0) times[name].push(run.ms);
    }
  }
  const node = median(times["node -e 0"]);
  const ms = Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));

  const purgeRuns = [];
  for (let i = 0; i < (ctx.full ? 5 : 3); i++) {
    const run = await zrec(["purge-old", "--dry-run", "--json"]);
    const report = JSON.parse(run.stdout);
    if (report.candidates.length !== RECORDINGS)
      throw new Error(`purge-old found ${report.candidates.length}`);
    purgeRuns.push(run.ms);
  }
  const purge = median(purgeRuns);
  await rm(dir, { recursive: true, force: true });

  const interactive = ["zrec list --limit 20", "zrec get <id>", "zrec jobs list"];
  return {
    sections: [
      {
        heading: `CLI start-up, an archive of ${RECORDINGS.toLocaleString("en-US")} recordings`,
        note: `median wall time of ${runs} fresh processes each, spawn to exit; load average ${fixed(median(load), 1)}`,
        table: table(
          ["command", "ms", "× node"],
          Object.entries(ms).map(([name, value]) => [name, fixed(value, 1), `${fixed(value / node, 2)}×`]),
        ),
      },
      {
        heading: `purge-old --dry-run, ${RECORDINGS.toLocaleString("en-US")} recordings, all due`,
        note: `median of ${purgeRuns.length} fresh processes, spawn to exit`,
        table: table(
          ["command", "s", "recordings/s"],
          [
            [
              "zrec purge-old --dry-run --json",
              fixed(purge / 1000, 2),
              Math.round(RECORDINGS / (purge / 1000)),
            ],
          ],
        ),
      },
    ],
    targets: [
      target(
        "`zrec --help` under 3× `node -e 0`",
        ms["zrec --help"] < 3 * node,
        `${fixed(ms["zrec --help"] / node, 2)}×`,
      ),
      ...interactive.map((name) =>
        target(
          `\`${name}\` at most 2.5× \`node -e 0\``,
          ms[name] <= 2.5 * node,
          `${fixed(ms[name] / node, 2)}×`,
        ),
      ),
    ],
    data: { ms, purgeMs: purge },
  };
}
