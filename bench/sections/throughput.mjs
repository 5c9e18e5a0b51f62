/**
 * 1. Transfer throughput: baseline A (one stream), baseline B (temp file, then upload) and the ranged
 * copy at part concurrency 1-16, from zoom-sim with and without a per-connection cap, into the folder
 * store and into s3rver. "other CPU" is what processes other than the benchmark's (and kernel threads:
 * the folder store's own writeback shows there) used meanwhile, in cores.
 */
import { copyOnce, idleRss, PART_SIZE, simFile, summarize } from "../lib/copy.mjs";
import { fixed, GiB, MiB, size, table, target } from "../lib/format.mjs";

export const CAP = 16 * MiB;
const CONCURRENCIES = [1, 2, 4, 8, 16];
/** The configuration default (`ingest.partConcurrency`), at which the uncapped target is judged. */
const DEFAULT_CONCURRENCY = 4;

const A = { label: "baseline A: one stream → putStream", method: "stream" };
const B = { label: "baseline B: temp file, then putStream", method: "tempfile" };
const ranged = (n) => ({ label: `zrec ranged copy, ${n} in flight`, method: "ranged", n });
const ALL = [A, B, ...CONCURRENCIES.map(ranged)];
/** No download at all: what the destination takes by itself, the ceiling of any copy into it. */
const ALONE = {
  label: "(destination alone: 8 MiB parts from memory, 8 in flight)",
  method: "store-only",
  n: 8,
};
/** Quick runs leave out, when capped, the two that are one stream at the cap like A (and as slow). */
const QUICK_CAPPED = [A, ...CONCURRENCIES.filter((n) => n > 1).map(ranged)];

function scenarios(full) {
  const methods = (capped) => (full || !capped ? ALL : QUICK_CAPPED);
  return [
    { dest: "fs", capped: false, bytes: full ? GiB : 256 * MiB, repeats: full ? 5 : 2 },
    // 256 MiB at the least: a copy's fixed costs (first request, last part, fsync) are ~0.2 s, which
    // would weigh 20% against the 1 s a 128 MiB file takes at 8 × 16 MiB/s.
    { dest: "fs", capped: true, bytes: full ? GiB : 256 * MiB, repeats: 1 },
    // s3rver writes every part to disk and copies them all again to complete: modest sizes.
    { dest: "s3", capped: false, bytes: full ? 256 * MiB : 128 * MiB, repeats: full ? 3 : 1 },
    { dest: "s3", capped: true, bytes: full ? 256 * MiB : 128 * MiB, repeats: 1 },
  ].map((s) => ({ ...s, methods: s.capped ? methods(true) : [...methods(false), ALONE] }));
}

const WHERE = { fs: "folder store", s3: "s3rver" };

export async function throughput(ctx) {
  const measured = [];
  for (const scenario of scenarios(ctx.full)) {
    const destination = ctx.destinations[scenario.dest];
    if (!destination) continue;
    const cap = scenario.capped ? "capped" : "uncapped";
    ctx.log(`throughput: ${WHERE[scenario.dest]}, ${cap}, ${size(scenario.bytes)}`);
    await ctx.sim.call("setBandwidth", scenario.capped ? CAP : null);
    const file = await simFile(ctx.sim, scenario.bytes);
    const idle = await idleRss(ctx, destination);
    // Repeats go round every method in turn, so that a slow spell of the machine hits all of them.
    const runs = scenario.methods.map(() => []);
    for (let round = 0; round < scenario.repeats; round++) {
      for (const [i, m] of scenario.methods.entries()) {
        const run = await copyOnce(ctx, { file, method: m.method, partConcurrency: m.n, destination });
        ctx.log(`  ${m.label}: ${fixed(run.mibps)} MiB/s, ${fixed(run.rssMiB, 0)} MiB RSS`);
        runs[i].push(run);
      }
    }
    const results = scenario.methods.map((m, i) => ({ ...m, ...summarize(runs[i], file.size) }));
    measured.push({ ...scenario, idle, results });
  }
  const sections = measured.map(render);
  const targets = measured.flatMap((s) => scenarioTargets(s, measured));
  const rssAll = measured.flatMap((s) =>
    s.results.map((r) => ({ what: `${describe(s)}: ${r.label}`, rssMiB: r.rssMiB })),
  );
  if (rssAll.length > 0) {
    const worst = rssAll.reduce((max, r) => (r.rssMiB > max.rssMiB ? r : max));
    targets.push(
      target(
        "throughput runs: peak RSS under 300 MiB",
        worst.rssMiB < 300,
        `highest ${fixed(worst.rssMiB, 0)} MiB: ${worst.what}`,
      ),
    );
  }
  return { sections, targets, data: measured };
}

function describe(scenario) {
  const cap = scenario.capped ? `capped at ${CAP / MiB} MiB/s per connection` : "uncapped";
  return `${WHERE[scenario.dest]}, ${cap}`;
}

function render(scenario) {
  const a = scenario.results[0];
  const rows = scenario.results.map((r) => [
    r.label,
    fixed(r.ms / 1000, 2),
    r.completeMs === undefined ? "–" : fixed(r.completeMs / 1000, 2),
    fixed(r.mibps),
    `${fixed(r.mibps / a.mibps, 2)}×`,
    fixed(r.rssMiB, 0),
    fixed(r.machineCores, 2),
    fixed(r.otherCores, 2),
  ]);
  rows.push([
    "(idle worker: modules loaded, nothing copied)",
    "–",
    "–",
    "–",
    "–",
    fixed(scenario.idle, 0),
    "–",
    "–",
  ]);
  const notes = [];
  if (scenario.repeats > 1) {
    const of = scenario.repeats === 2 ? "mean of 2 runs" : `median of ${scenario.repeats} runs`;
    notes.push(`${of}, peak RSS the highest`);
  }
  notes.push(`part size ${PART_SIZE / MiB} MiB`);
  if (scenario.methods.length < ALL.length) notes.push("baseline B and 1 in flight: with --full");
  return {
    heading: `${describe(scenario)}, ${size(scenario.bytes)} file`,
    note: notes.join("; "),
    table: table(
      [
        "method",
        "s",
        "of which completing, s",
        "MiB/s",
        "× A",
        "peak RSS MiB",
        "machine busy, cores",
        "other CPU, cores",
      ],
      rows,
    ),
    results: scenario.results,
  };
}

/** Says so when other work took a fair share of the 2 cores during the run. */
function disturbed(result) {
  return result.otherCores > 0.25 ? `; other work used ${fixed(result.otherCores, 2)} cores meanwhile` : "";
}

function scenarioTargets(scenario, all) {
  const where = WHERE[scenario.dest];
  const a = scenario.results[0];
  const at = (n) => scenario.results.find((r) => r.method === "ranged" && r.n === n);
  if (!scenario.capped) {
    if (scenario.dest !== "fs") return [];
    const def = at(DEFAULT_CONCURRENCY);
    const each = CONCURRENCIES.map((n) => fixed(at(n).mibps / a.mibps, 2)).join(" / ");
    return [
      target(
        `${where}, uncapped: ranged copy (default ${DEFAULT_CONCURRENCY} in flight) ≥ 1.0× baseline A`,
        def.mibps >= a.mibps,
        `${fixed(def.mibps / a.mibps, 2)}×; at 1/2/4/8/16 in flight: ${each}${disturbed(def)}`,
      ),
    ];
  }
  // What the destination takes by itself, with no download: a capped copy cannot beat it.
  const uncapped = all.find((s) => s.dest === scenario.dest && !s.capped);
  const ceiling = uncapped?.results.find((r) => r.method === "store-only")?.mibps;
  const limit = (mibps) =>
    ceiling !== undefined && mibps > 0.8 * ceiling
      ? `; ${where} alone (parts from memory, no download) took ${fixed(ceiling)} MiB/s in this run`
      : "";
  const eight = at(8);
  const out = [
    target(
      `${where}, capped: ranged copy at 8 in flight ≥ 6× baseline A`,
      eight.mibps >= 6 * a.mibps,
      `${fixed(eight.mibps / a.mibps, 2)}×${limit(6 * a.mibps)}${disturbed(eight)}`,
    ),
  ];
  for (const n of CONCURRENCIES.filter((c) => c <= 8 && at(c))) {
    const want = 0.8 * n * (CAP / MiB);
    out.push(
      target(
        `${where}, capped: ranged copy at ${n} in flight ≥ 0.8 × ${n} × cap = ${fixed(want)} MiB/s`,
        at(n).mibps >= want,
        `${fixed(at(n).mibps)} MiB/s${limit(want)}${disturbed(at(n))}`,
      ),
    );
  }
  return out;
}
