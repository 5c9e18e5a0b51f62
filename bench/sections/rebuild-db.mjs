/**
 * 4. rebuild-db: `zrec rebuild-db` (the built CLI, a whole process) against issue #18's plain loop on
 * the embedded default (bench/lib/plain-rebuild.mjs: one listing, read, JSON.parse, insert, one SQLite
 * transaction, a process of its own), at 10,000 and 100,000 documents; and against the simplest rebuild
 * through zrec's own adapters, a sequential loop (list the keys, then for each document read it,
 * parse and validate it, `index.put` it, one after the other), each on an empty index, on the embedded
 * default (folder + SQLite) and on s3rver + DynamoDB (dynalite), each in a process of its own.
 * Documents are written as the older system left them (its fields only, `indent=4`). One untimed run
 * first on each backend.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeCommand } from "../lib/child.mjs";
import { watchOtherCpu } from "../lib/cpu.mjs";
import { fixed, median, table, target } from "../lib/format.mjs";
import { legacyDocument, writeLegacyFolders } from "../lib/legacy-archive.mjs";
import { eachConcurrently } from "../lib/pool.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = path.join(root, "packages/cli/dist/zrec.cjs");
const plainLoop = fileURLToPath(new URL("../lib/plain-rebuild.mjs", import.meta.url));
const core = await import("@zrec/core");

const EMBEDDED_10K = { name: "embedded", label: "folder + SQLite", documents: 10_000 };

export function rebuildDb(ctx) {
  return measure(ctx, [
    { ...EMBEDDED_10K, runs: ctx.full ? 5 : 3 },
    // s3rver and dynalite answer one request at a time each, ~2 ms apiece: the loop takes a minute.
    { name: "aws", label: "s3rver + dynalite", documents: ctx.full ? 10_000 : 2_000, runs: ctx.full ? 3 : 1 },
  ]);
}

/**
 * 7. The embedded default alone, as issue #18 asked: 10,000 and 100,000 documents against the plain
 * loop (`--only rebuild-db-embedded` runs it without starting the AWS stand-ins).
 */
export function rebuildDbEmbedded(ctx) {
  return measure(ctx, [
    { ...EMBEDDED_10K, runs: ctx.full ? 5 : 3, noLoop: true },
    // How it grows; the sequential loop (about 40 s) and the reads alone are left out.
    { ...EMBEDDED_10K, documents: 100_000, runs: ctx.full ? 3 : 1, noLoop: true, large: true },
  ]);
}

async function measure(ctx, wanted) {
  const backends = wanted.filter((b) => b.name === "embedded" || ctx.aws);
  const measured = [];
  for (const backend of backends) {
    ctx.log(`rebuild-db: ${backend.label}, ${backend.documents} documents`);
    const bench = await prepare(ctx, backend);
    // Untimed: warms s3rver's and dynalite's JIT and the OS file cache, which the first run would
    // otherwise pay alone (that is the CLI's run, which goes first).
    await bench.emptyIndex();
    await bench.timeCli();
    if (backend.name === "embedded") await bench.timePlain();
    const cliRuns = [];
    const loopRuns = [];
    const plainRuns = [];
    const load = [];
    for (let run = 1; run <= backend.runs; run++) {
      load.push(os.loadavg()[0]);
      await bench.emptyIndex();
      cliRuns.push(await busy(ctx, () => bench.timeCli()));
      await bench.checkIndexed(`zrec rebuild-db, run ${run}`);
      if (backend.name === "embedded") {
        plainRuns.push(await busy(ctx, async () => ({ wall: await bench.timePlain() })));
      }
      if (!backend.noLoop) {
        await bench.emptyIndex();
        loopRuns.push(await busy(ctx, async () => ({ wall: await bench.timeLoop() })));
        await bench.checkIndexed(`sequential loop, run ${run}`);
      }
      ctx.log(
        `  run ${run}: zrec ${fixed(cliRuns.at(-1).wall, 2)} s, plain ${fixed(plainRuns.at(-1)?.wall, 2)} s, loop ${fixed(loopRuns.at(-1)?.wall, 2)} s`,
      );
    }
    // The most any rebuild can read: every document fetched 64 at a time, nothing else done.
    const readsAlone = backend.noLoop
      ? undefined
      : await busy(ctx, async () => ({ wall: await bench.timeReadsAlone(64) }));
    await bench.close();
    const mid = (runs) => runs.toSorted((a, b) => a.wall - b.wall)[Math.floor(runs.length / 2)];
    measured.push({
      ...backend,
      wall: mid(cliRuns).wall,
      inside: median(cliRuns.map((r) => r.inside)),
      loop: loopRuns.length ? mid(loopRuns).wall : undefined,
      plain: plainRuns.length ? mid(plainRuns).wall : undefined,
      readsAlone,
      load: median(load),
      cores: { cli: mid(cliRuns).cores, loop: loopRuns.length ? mid(loopRuns).cores : undefined },
    });
  }
  // Issue #6's targets need the sequential loop, which section 7 leaves out.
  const targets = measured.filter((m) => m.large || m.loop !== undefined).map(targetOf);
  for (const m of measured.filter((m) => m.name === "embedded" && !m.large)) {
    targets.push(
      target(
        "rebuild-db, folder + SQLite, 10,000 documents: ≥ 0.7 of the plain loop",
        m.plain / m.wall >= 0.7,
        `${fixed(m.plain / m.wall, 2)} (${fixed(m.wall, 2)} s against ${fixed(m.plain, 2)} s)`,
      ),
    );
  }
  return { sections: measured.map(render), targets, data: measured };
}

/** Runs `fn` and adds the cores the machine and each service used meanwhile. */
async function busy(ctx, fn) {
  const watch = await watchOtherCpu(ctx.services);
  const started = performance.now();
  const result = await fn();
  const { cores } = await watch.stop(0, (performance.now() - started) / 1000);
  return { ...result, cores };
}

/** `1.85 (s3rver 0.80, dynalite 0.20)`: the machine's busy cores, and the stand-ins' share of them. */
function coresText(cores, backend) {
  if (!cores) return "–";
  const services = backend === "aws" ? ["s3rver-server", "dynalite-server"] : [];
  const shares = services.map(
    (name) => `${name.replace("-server", "")} ${fixed(cores.services[name] ?? 0, 2)}`,
  );
  return `${fixed(cores.machine, 2)}${shares.length ? ` (${shares.join(", ")})` : ""}`;
}

function render(m) {
  const rate = (seconds) => Math.round(m.documents / seconds).toLocaleString("en-US");
  const rows = [
    ["`zrec rebuild-db`, the whole process (built CLI)", m.wall, coresText(m.cores.cli, m.name)],
    ["`zrec rebuild-db`, inside the command (`seconds` of `--json`)", m.inside, "–"],
  ];
  if (m.plain !== undefined) {
    rows.push(["plain loop: list, read, parse, insert, one transaction (own process)", m.plain, "–"]);
  }
  if (m.loop !== undefined) {
    rows.push([
      "sequential loop: read one, `index.put` one (same adapters)",
      m.loop,
      coresText(m.cores.loop, m.name),
    ]);
  }
  if (m.readsAlone !== undefined) {
    rows.push([
      "(the store alone: GET every document, 64 at a time, listing not counted)",
      m.readsAlone.wall,
      coresText(m.readsAlone.cores, m.name),
    ]);
  }
  const ratio = (base, s) => (base === undefined ? "–" : `${fixed(base / s, 2)}×`);
  return {
    heading: `${m.label}, ${m.documents.toLocaleString("en-US")} documents`,
    note: `median of ${m.runs} run${m.runs > 1 ? "s" : ""}, each on an empty index; load average ${fixed(m.load, 1)}`,
    table: table(
      ["how", "s", "documents/s", "of the plain loop", "× sequential loop", "machine busy, cores"],
      rows.map(([how, s, cores]) => [how, fixed(s, 2), rate(s), ratio(m.plain, s), ratio(m.loop, s), cores]),
    ),
  };
}

function targetOf(m) {
  const perSecond = m.documents / m.wall;
  if (m.large) {
    return target(
      "rebuild-db, folder + SQLite, 100,000 documents: ≥ 0.7 of the plain loop",
      m.plain / m.wall >= 0.7,
      `${fixed(m.plain / m.wall, 2)} (${fixed(m.wall, 2)} s against ${fixed(m.plain, 2)} s)`,
    );
  }
  return m.name === "embedded"
    ? target(
        "rebuild-db, folder + SQLite: ≥ 2,000 documents/s",
        perSecond >= 2000,
        `${Math.round(perSecond)} documents/s, the whole process; ${fixed(m.loop / m.wall, 1)}× the loop`,
      )
    : target(
        "rebuild-db, s3rver + dynalite: ≥ 5× the sequential loop",
        m.loop / m.wall >= 5,
        `${fixed(m.loop / m.wall, 2)}× (${Math.round(perSecond)} against ${Math.round(m.documents / m.loop)} documents/s); ` +
          `s3rver alone served ${Math.round(m.documents / m.readsAlone.wall)} GETs/s, ${fixed(m.loop / m.readsAlone.wall, 2)}× the loop`,
      );
}

/** Writes the documents and a workspace for the CLI; returns what each step of a run needs. */
async function prepare(ctx, backend) {
  const dir = path.join(ctx.workDir, `rebuild-${backend.name}-${backend.documents}`);
  await mkdir(dir, { recursive: true });
  let tables = 0;
  const config = () =>
    backend.name === "embedded"
      ? {
          storage: { type: "fs", root: "./zrec-data" },
          index: { type: "sqlite", path: "./zrec-data/index.db" },
          notify: { type: "none" },
        }
      : {
          storage: { ...ctx.aws.storage, prefix: "rebuild" },
          index: {
            type: "dynamodb",
            table: `rebuild-${tables}`,
            region: "us-east-1",
            endpoint: ctx.aws.dynamo,
          },
          notify: { type: "none" },
        };
  const writeConfig = () => writeFile(path.join(dir, "zrec.config.json"), JSON.stringify(config()));
  const open = () =>
    core.createBackends(core.loadConfig(config(), { baseDir: dir, env: {} }), { baseDir: dir });
  const env = ctx.aws?.env ?? {};
  const withEnv = async (fn) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return await fn();
    } finally {
      for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
    }
  };

  await writeConfig();
  if (backend.name === "embedded") writeLegacyFolders(path.join(dir, "zrec-data"), backend.documents);
  else {
    await withEnv(async () => {
      const backends = await open();
      try {
        await writeDocuments(backends.store, backend.documents);
      } finally {
        await core.closeBackends(backends);
      }
    });
  }

  return {
    async emptyIndex() {
      if (backend.name === "embedded") {
        for (const suffix of ["", "-wal", "-shm"])
          await rm(path.join(dir, "zrec-data", `index.db${suffix}`), { force: true });
        return;
      }
      // A new table each time: dynalite deletes a big table slowly, and the old one does no harm.
      tables += 1;
      await writeConfig();
      await withEnv(() => core.setupBackends(core.loadConfig(config(), { baseDir: dir, env: {} })));
    },
    async timeCli() {
      const run = await timeCommand(process.execPath, [cli, "rebuild-db", "--json"], { cwd: dir, env });
      if (run.code !== 0) throw new Error(`zrec rebuild-db exited with ${run.code}: ${run.stderr.trim()}`);
      const result = JSON.parse(run.stdout);
      if (result.indexed !== backend.documents) throw new Error(`zrec rebuild-db indexed ${result.indexed}`);
      return { wall: run.ms / 1000, inside: result.seconds };
    },
    /** Read one, write one: opening the adapters included, as the CLI's time includes its start-up. */
    timeLoop: () =>
      withEnv(async () => {
        const started = performance.now();
        const backends = await open();
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
      }),
    checkIndexed: (what) =>
      withEnv(async () => {
        const backends = await open();
        try {
          const rows = (await backends.index.list()).length;
          if (rows !== backend.documents)
            throw new Error(`${what}: the index holds ${rows} rows, not ${backend.documents}`);
        } finally {
          await core.closeBackends(backends);
        }
      }),
    /** Lists, then GETs every document `concurrency` at a time, and does nothing with them. */
    timeReadsAlone: (concurrency) =>
      withEnv(async () => {
        const backends = await open();
        try {
          const keys = [];
          for await (const key of backends.store.list("")) {
            if (/^[^/]+\/recording_document\.json$/.test(key)) keys.push(key);
          }
          const started = performance.now();
          await eachConcurrently(keys.length, concurrency, (i) => backends.store.get(keys[i]));
          return (performance.now() - started) / 1000;
        } finally {
          await core.closeBackends(backends);
        }
      }),
    /** Issue #18's plain loop over the same folder, into a database of its own, replaced each time. */
    async timePlain() {
      const db = path.join(dir, "plain.db");
      for (const suffix of ["", "-wal", "-shm"]) await rm(`${db}${suffix}`, { force: true });
      const run = await timeCommand(process.execPath, [plainLoop, path.join(dir, "zrec-data"), db]);
      if (run.code !== 0) throw new Error(`the plain loop exited with ${run.code}: ${run.stderr.trim()}`);
      if (Number(run.stdout) !== backend.documents) throw new Error(`the plain loop inserted ${run.stdout}`);
      return run.ms / 1000;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Documents with exactly the older system's fields (DESIGN.md's table), JSON as Python's indent=4. */
async function writeDocuments(store, count) {
  await eachConcurrently(count, 32, (i) => {
    const document = legacyDocument(i);
    return store.put(`${document.recording_id}/recording_document.json`, JSON.stringify(document, null, 4), {
      contentType: "application/json",
    });
  });
}
