#!/usr/bin/env node
/**
 * zrec's benchmarks: `pnpm bench` (quick: about 11 minutes on 2 cores) or `pnpm bench --full`.
 * `--only throughput,memory,ingest,webhook,startup,rebuild-db,rebuild-db-embedded,sweep,site,resume,coldstart`
 * runs a subset.
 *
 * Every copy runs in its own process (its peak RSS is its own); zoom-sim and s3rver run in processes of
 * their own too. Prints a Markdown report with each target met / not met, and keeps it (and the raw
 * numbers) in bench/results/. Reads the built packages: run `pnpm build` first (`pnpm bench` does).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, statfs, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GiB, targetLines } from "./lib/format.mjs";
import { startService } from "./lib/service.mjs";
import { coldstart } from "./sections/coldstart.mjs";
import { ingest } from "./sections/ingest.mjs";
import { memory } from "./sections/memory.mjs";
import { rebuildDb, rebuildDbEmbedded } from "./sections/rebuild-db.mjs";
import { resume } from "./sections/resume.mjs";
import { site } from "./sections/site.mjs";
import { startup } from "./sections/startup.mjs";
import { sweep } from "./sections/sweep.mjs";
import { throughput } from "./sections/throughput.mjs";
import { webhook } from "./sections/webhook.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const SECTIONS = {
  throughput: { title: "1. Transfer throughput", run: throughput },
  memory: { title: "2. Memory bound", run: memory },
  ingest: { title: "3. End-to-end `zrec ingest`", run: ingest },
  "rebuild-db": { title: "4. rebuild-db", run: rebuildDb },
  webhook: { title: "5. Webhook: verification, Lambda cold start", run: webhook },
  startup: { title: "6. CLI start-up", run: startup },
  "rebuild-db-embedded": {
    title: "7. rebuild-db on the embedded default, 10,000 and 100,000",
    run: rebuildDbEmbedded,
  },
  // Minutes of listing: in the full run, or asked for by name.
  sweep: { title: "8. sweep-missed: per-user against account-level listing", run: sweep, fullOnly: true },
  site: { title: "9. The website: site build and search", run: site },
  resume: { title: "10. Resumable copies and planned ranges", run: resume },
  coldstart: { title: "11. Lambda handlers: cold start", run: coldstart },
};

const { values } = parseArgs({
  options: { full: { type: "boolean", default: false }, only: { type: "string" } },
  strict: true,
});
const full = values.full;
const only = values.only?.split(",").map((s) => s.trim());
const wanted = (name) => only === undefined || only.includes(name);
for (const name of only ?? []) {
  if (!(name in SECTIONS)) throw new Error(`--only: unknown section ${name}`);
}
for (const built of ["core", "zoom-sim", "cli"]) {
  if (!existsSync(path.join(root, "packages", built, "dist"))) {
    throw new Error(`packages/${built}/dist is missing: run \`pnpm build\` first (or \`pnpm bench\`).`);
  }
}

const log = (line) => process.stderr.write(`${line}\n`);
// Every child inherits this: the AWS SDK's notice about future Node versions is noise in a report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const started = new Date();
const loadAtStart = os.loadavg()[0];
const workDir = await makeWorkDir(full ? 12 * GiB : 3 * GiB);
const services = [];
const cleanup = async () => {
  await Promise.all(services.map((s) => s.close().catch(() => {})));
  await rm(workDir, { recursive: true, force: true });
};
process.once("SIGINT", () => cleanup().finally(() => process.exit(130)));

const report = [];
const targets = [];
const data = {};
try {
  const needSim = ["throughput", "memory", "ingest", "resume"].some(wanted);
  const sim = needSim ? await startService(new URL("./lib/sim-server.mjs", import.meta.url)) : undefined;
  if (sim) services.push(sim);
  const destinations = { fs: { type: "fs", root: path.join(workDir, "store") } };
  // Resolved here, not by the child: `--import tsx` alone resolves against the working directory.
  const withTsx = { execArgv: ["--import", import.meta.resolve("tsx")] };
  let aws;
  if (wanted("throughput") || wanted("rebuild-db") || wanted("site")) {
    const s3 = await startService(new URL("./lib/s3rver-server.mjs", import.meta.url), withTsx);
    services.push(s3);
    destinations.s3 = { type: "s3", endpoint: s3.info.endpoint, bucket: s3.info.bucket, env: s3.info.env };
    if (wanted("rebuild-db")) {
      const dynamo = await startService(new URL("./lib/dynalite-server.mjs", import.meta.url), withTsx);
      services.push(dynamo);
      aws = {
        storage: {
          type: "s3",
          bucket: s3.info.bucket,
          region: "us-east-1",
          endpoint: s3.info.endpoint,
          forcePathStyle: true,
        },
        dynamo: dynamo.info.endpoint,
        env: s3.info.env,
      };
    }
  }
  const ctx = { full, log, sim, services, destinations, aws, workDir, tempDir: workDir };
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (!wanted(name) || (section.fullOnly && !full && only === undefined)) continue;
    const t0 = performance.now();
    const result = await section.run(ctx);
    log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    report.push(render(section.title, result));
    targets.push(...result.targets);
    data[name] = result.data ?? result.sections.map((s) => ({ heading: s.heading, results: s.results }));
  }
} finally {
  await cleanup();
}
const header = [
  `## Run of ${started.toISOString().slice(0, 10)} (${full ? "`pnpm bench --full`" : "`pnpm bench`"})`,
  "",
  machine(),
  "",
  `Total wall time ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s. Load average (1 min) ` +
    `${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end (the benchmark itself ` +
    "keeps about 2 busy: copier, sim and s3rver share the cores).",
].join("\n");
const text = [header, ...report, `### Targets\n\n${targetLines(targets)}`].join("\n\n");
process.stdout.write(`${text}\n`);
const resultsDir = path.join(root, "bench", "results");
await mkdir(resultsDir, { recursive: true });
const mode = full ? "full" : "quick";
await writeFile(path.join(resultsDir, `${mode}.md`), `${text}\n`);
await writeFile(
  path.join(resultsDir, `${mode}.json`),
  `${JSON.stringify({ date: started.toISOString(), full, machine: machine(), targets, data }, null, 2)}\n`,
);
log(`\nkept in bench/results/${mode}.md and ${mode}.json`);

function render(title, result) {
  const parts = [`### ${title}`];
  for (const s of result.sections) {
    parts.push(`**${s.heading}**${s.note ? ` (${s.note})` : ""}`);
    if (s.table) parts.push(s.table);
  }
  if (result.targets.length) parts.push(targetLines(result.targets));
  return parts.join("\n\n");
}

function machine() {
  let release;
  try {
    release = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1];
  } catch {
    // Not Linux: os.type() says enough.
  }
  const cpu = os.cpus()[0]?.model ?? "?";
  return [
    `- machine: ${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / GiB).toFixed(0)} GiB memory`,
    `- OS: ${release ?? os.type()} (${os.type()} ${os.release()}), Node ${process.version}`,
    `- command: \`${full ? "pnpm bench --full" : "pnpm bench"}\`${only ? ` --only ${only.join(",")}` : ""}`,
    `- revision: ${gitRevision()}`,
  ].join("\n");
}

/** A fresh folder in the temp dir, after checking it has room for the biggest files copied. */
async function makeWorkDir(needed) {
  const base = os.tmpdir();
  const fsInfo = await statfs(base);
  const free = fsInfo.bavail * fsInfo.bsize;
  if (free < needed) {
    throw new Error(
      `${base} has ${(free / GiB).toFixed(1)} GiB free; the benchmarks need ${needed / GiB} GiB (set TMPDIR elsewhere).`,
    );
  }
  log(`working in ${base} (${(free / GiB).toFixed(0)} GiB free)`);
  return mkdtemp(path.join(base, "zrec-bench-"));
}

/** The commit the numbers came from, marked when the working tree differs from it. */
function gitRevision() {
  try {
    const git = (...args) => execFileSync("git", args, { cwd: root }).toString().trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain") ? " with uncommitted changes" : ""}`;
  } catch {
    return "unknown";
  }
}
