#!/usr/bin/env node
/**
 * rebuild-db on the embedded default (a folder and SQLite): writes 10,000 recording documents as the
 * older system left them into a temp folder, then times
 *   - `zrec rebuild-db` (the built CLI, a whole process: start-up, listing, reading, batched writes), and
 *   - a plain sequential loop through the same adapters: list the keys, then for each document read it,
 *     parse and validate it, and `index.put` it, one after the other,
 * each on an empty index, and prints documents/s and the ratio as Markdown for BENCHMARKS.md.
 *
 *   node bench/rebuild-db.mjs [--documents 10000] [--runs 3] [--full]
 *
 * `--full` (what `pnpm bench --full` passes) means 5 runs. Reads the built packages: `pnpm build` first.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = path.join(root, "packages/cli/dist/main.js");
const coreDist = path.join(root, "packages/core/dist/index.js");
for (const built of [cli, coreDist]) {
  if (!existsSync(built))
    throw new Error(`${path.relative(root, built)} is missing: run \`pnpm build\` first.`);
}
const core = await import(coreDist);

const { values } = parseArgs({
  options: {
    documents: { type: "string", default: "10000" },
    runs: { type: "string" },
    full: { type: "boolean", default: false },
  },
  strict: true,
});
const documents = Number(values.documents);
const runs = Number(values.runs ?? (values.full ? 5 : 3));
const log = (line) => process.stderr.write(`${line}\n`);

const dir = await mkdtemp(path.join(os.tmpdir(), "zrec-bench-rebuild-"));
try {
  const dataDir = path.join(dir, "zrec-data");
  log(`writing ${documents} legacy documents into ${dataDir}`);
  await writeDocuments(dataDir, documents);

  const cliRuns = [];
  const loopRuns = [];
  for (let run = 1; run <= runs; run++) {
    await emptyIndex(dataDir);
    cliRuns.push(await timeCli());
    await checkIndexed(`zrec rebuild-db, run ${run}`);
    await emptyIndex(dataDir);
    loopRuns.push(await timeLoop());
    await checkIndexed(`sequential loop, run ${run}`);
    log(
      `run ${run}/${runs}: zrec rebuild-db ${cliRuns.at(-1).wall.toFixed(2)} s, loop ${loopRuns.at(-1).toFixed(2)} s`,
    );
  }
  process.stdout.write(`${report(cliRuns, loopRuns)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Documents with exactly the older system's fields (DESIGN.md's table), JSON as Python's indent=4. */
async function writeDocuments(folder, count) {
  const bucket = "https://olf-zoom-recordings.s3.amazonaws.com";
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const id = randomUUID();
      const start = new Date(Date.UTC(2021, 0, 1) + i * 3_600_000);
      const document = {
        recording_id: id,
        recording_path: `folio/sys-ops-management-sig/${start.toISOString().slice(0, 16)}`,
        meeting_uuid: randomBytes(16).toString("base64"),
        parent_meeting_uuid: randomBytes(16).toString("base64"),
        meeting_id: 7816381929 + (i % 1000),
        meeting_topic: `FOLIO Sys Ops & Management SIG ${i}`,
        password: "+6gCkMFr",
        host_id: "OU54QJ6tRoGM55Rlt8YiQg",
        organization: "FOLIO",
        start_time: start.toISOString().replace(".000Z", "Z"),
        end_time: new Date(start.getTime() + 3_000_000).toISOString().replace(".000Z", "Z"),
        files: [
          ["audio_only", "m4a", "audio/m4a", 2183386],
          ["shared_screen_with_speaker_view", "mp4", "video/mp4", 2769300],
          ["timeline", "vtt", "text/vtt", null],
        ].map(([type, ext, mime, size]) => ({
          recording_type: type,
          s3_url: `${bucket}/${id}/${type}.${ext}`,
          etag: `"${randomBytes(16).toString("hex")}"`,
          zoom_file_size: size,
          mime_type: mime,
        })),
      };
      await mkdir(path.join(folder, id), { recursive: true });
      await writeFile(path.join(folder, id, "recording_document.json"), JSON.stringify(document, null, 4));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

async function emptyIndex(folder) {
  for (const suffix of ["", "-wal", "-shm"])
    await rm(path.join(folder, `index.db${suffix}`), { force: true });
}

/** The built CLI in `dir` (no config file: the embedded default), timed from spawn to exit. */
async function timeCli() {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, "rebuild-db", "--json"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const code = await new Promise((resolve) => child.on("close", resolve));
  const wall = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`zrec rebuild-db exited with ${code}`);
  const result = JSON.parse(stdout);
  if (result.indexed !== documents) throw new Error(`zrec rebuild-db indexed ${result.indexed}`);
  return { wall, inside: result.seconds };
}

/** Read one, write one: the simplest rebuild through the same adapters, opening them included. */
async function timeLoop() {
  const started = performance.now();
  const backends = await openBackends();
  try {
    const keys = [];
    for await (const key of backends.store.list("")) {
      if (/^[^/]+\/recording_document\.json$/.test(key)) keys.push(key);
    }
    for (const key of keys) {
      const bytes = await backends.store.get(key);
      const document = core.validateDocument(JSON.parse(Buffer.from(bytes).toString("utf8")), key);
      await backends.index.put(document);
    }
  } finally {
    await core.closeBackends(backends);
  }
  return (performance.now() - started) / 1000;
}

function openBackends() {
  return core.createBackends(core.loadConfig(undefined, { baseDir: dir, env: {} }), { baseDir: dir });
}

async function checkIndexed(what) {
  const backends = await openBackends();
  try {
    const rows = (await backends.index.list()).length;
    if (rows !== documents) throw new Error(`${what}: the index holds ${rows} rows, not ${documents}`);
  } finally {
    await core.closeBackends(backends);
  }
}

function report(cliRuns, loopRuns) {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const wall = median(cliRuns.map((r) => r.wall));
  const inside = median(cliRuns.map((r) => r.inside));
  const loop = median(loopRuns);
  const perSecond = (seconds) => Math.round(documents / seconds).toLocaleString("en-US");
  const cpu = os.cpus()[0]?.model ?? "?";
  return [
    "## rebuild-db",
    "",
    `- machine: nproc ${os.availableParallelism()} (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}`,
    `- command: \`node bench/rebuild-db.mjs${values.full ? " --full" : ""}\` (${documents.toLocaleString("en-US")} legacy documents, embedded default: folder + SQLite; median of ${runs} runs, each on an empty index)`,
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    "",
    "| how | seconds | documents/s |",
    "| --- | ---: | ---: |",
    `| \`zrec rebuild-db\`, the whole process (built CLI) | ${wall.toFixed(2)} | ${perSecond(wall)} |`,
    `| \`zrec rebuild-db\`, inside the command (\`seconds\` of \`--json\`) | ${inside.toFixed(2)} | ${perSecond(inside)} |`,
    `| sequential loop: read one, \`index.put\` one (same adapters, in process) | ${loop.toFixed(2)} | ${perSecond(loop)} |`,
    "",
    `Ratio: \`zrec rebuild-db\` takes ${(wall / loop).toFixed(2)}x the loop's time as a whole process, ${(inside / loop).toFixed(2)}x inside the command (${(loop / wall).toFixed(1)}x and ${(loop / inside).toFixed(1)}x as fast).`,
  ].join("\n");
}
