/**
 * 11. Lambda cold start of every handler bundle, without AWS: for each dist/handlers/<name>.mjs, a fresh
 * Node process imports it and makes one trivial call (bench/lib/handler-cold-start-worker.mjs says
 * which); median of N processes, the handlers taken in turn so that drift hits all alike. Set
 * ZREC_BENCH_HANDLERS to another build's dist/handlers to measure that one (a before/after comparison).
 */
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadedAtImport } from "../../packages/lambda-adapter/scripts/bundle.mjs";
import { runWorker } from "../lib/child.mjs";
import { fixed, median, table } from "../lib/format.mjs";

const WORKER = new URL("../lib/handler-cold-start-worker.mjs", import.meta.url);
const BUILT = fileURLToPath(new URL("../../packages/lambda-adapter/dist/handlers/", import.meta.url));

export async function coldstart(ctx) {
  const dir = process.env.ZREC_BENCH_HANDLERS ?? BUILT;
  const runs = ctx.full ? 21 : 7;
  const names = readdirSync(dir)
    .filter((file) => file.endsWith(".mjs"))
    .map((file) => file.slice(0, -4))
    .sort();
  ctx.log(`coldstart: ${names.length} handlers in ${dir}, ${runs} runs each`);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  const load = [];
  // One warm-up round (file cache), then the measured ones.
  for (let i = -1; i < runs; i++) {
    load.push(os.loadavg()[0]);
    for (const name of names) {
      const result = await runWorker(WORKER, [path.join(dir, `${name}.mjs`), name]);
      if (i >= 0) times[name].push(result);
    }
  }
  const rows = [];
  const data = {};
  for (const name of names) {
    const files = [...(await loadedAtImport(path.join(dir, `${name}.mjs`)))];
    const bytes = (await Promise.all(files.map((file) => readFile(file)))).reduce((n, b) => n + b.length, 0);
    const pick = (key) => median(times[name].map((r) => r[key]));
    const result = {
      loadKiB: bytes / 1024,
      files: files.length,
      importMs: pick("importMs"),
      firstCallMs: pick("firstCallMs"),
      coldMs: median(times[name].map((r) => r.importMs + r.firstCallMs)),
      maxRssMiB: pick("maxRssKiB") / 1024,
      outcome: times[name][0]?.outcome,
    };
    data[name] = result;
    rows.push([
      name,
      `${fixed(result.loadKiB, 0)} (${result.files})`,
      fixed(result.importMs, 1),
      fixed(result.firstCallMs, 1),
      fixed(result.coldMs, 1),
      fixed(result.maxRssMiB, 0),
      result.outcome,
    ]);
  }
  return {
    sections: [
      {
        heading: `Lambda handler cold start: ${path.relative(process.cwd(), dir) || dir}`,
        note:
          `median of ${runs} fresh local Node processes each (not Lambda's own init, whose CPU share is ` +
          `smaller); load average ${fixed(median(load), 1)}. The first call needs no AWS: the webhook ` +
          "answers a signed url_validation, the others load the configuration and refuse the default " +
          "one (a folder and SQLite) before opening any backend, so SDK clients loaded on demand are not in it",
        table: table(
          [
            "handler",
            "KiB read at import (files)",
            "import ms",
            "first call ms",
            "cold start ms",
            "peak RSS MiB",
            "first call",
          ],
          rows,
        ),
      },
    ],
    targets: [],
    data,
  };
}
