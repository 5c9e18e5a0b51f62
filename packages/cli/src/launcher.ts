/**
 * The `zrec` binary (the bundle script builds it into dist/zrec.cjs, CommonJS): runs the CLI's bundle,
 * dist/zrec-bundle.cjs, compiled with the V8 code cache kept beside it (dist/zrec-bundle.cjs.*.cache).
 *
 * Why: Node 20 has no compile cache, and every run parsed and compiled the CLI, core, undici and zod
 * again before its first request: measured on the benchmark machine, a 256 MiB `zrec ingest` sent its
 * first request 50 ms sooner and ended 80 ms sooner with the cache (BENCHMARKS.md, issue #16). V8 code
 * caches exist for scripts only, hence one CommonJS bundle (its modules still run only when a command
 * needs them) instead of ES module chunks.
 *
 * The cache is V8's own format, checked here against the bundle's digest and its own, and by V8 against
 * its version and flags; one that does not match is not used and the bundle compiles as without it. It
 * is written beside the bundle (never in a shared folder: bytecode loaded from there would run as zrec),
 * one file per Node version and flags, after a short run that compiled code it lacked: the first run of
 * each command, or any run without a usable cache. It is a plain optimisation: a cache that cannot be
 * read or written changes nothing but the speed.
 */
import { createHash } from "node:crypto";
import { accessSync, constants, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

/** Runs longer than this save nothing: V8 drops the bytecode of code idle for a while (start-up's). */
const SAVE_WITHIN_SECONDS = 300;

const bundle = fileURLToPath(new URL("./zrec-bundle.cjs", import.meta.url));
const source = readFileSync(bundle, "utf8");
const sourceSha256 = sha256(source);
// V8 rejects a cache made by another Node or under other flags: each such set keeps a file of its own
// rather than replacing the other's at every switch (a service's NODE_OPTIONS, a shell's).
const variant = sha256(
  `${process.version}\n${process.execArgv.join(" ")}\n${process.env.NODE_OPTIONS ?? ""}`,
);
const cacheFile = `${bundle}.${variant.slice(0, 12)}.cache`;

/**
 * The cache file: a line of JSON, then V8's bytes. The line names the commands whose code the bytes
 * hold, the bundle they were made from and their own digest. V8 checks a cache against the source's
 * length only, and a release build does not checksum it: from a bundle changed in place it ran the old
 * code, or crashed at every run, and a damaged file could crash too. Both digests are checked here first.
 */
interface Cache {
  commands: string[];
  data: Buffer;
}

function readCache(): Cache | undefined {
  try {
    const file = readFileSync(cacheFile);
    const newline = file.indexOf(10);
    const header = JSON.parse(file.subarray(0, newline).toString("utf8")) as {
      commands?: unknown;
      source?: unknown;
      sha256?: unknown;
    };
    const data = file.subarray(newline + 1);
    if (header.source !== sourceSha256 || header.sha256 !== sha256(data)) return undefined;
    if (!Array.isArray(header.commands)) return undefined;
    return { commands: header.commands.map(String), data };
  } catch {
    return undefined;
  }
}

function sha256(bytes: string | Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const cache = readCache();
const script = new vm.Script(Module.wrap(source), {
  filename: bundle,
  ...(cache ? { cachedData: cache.data } : {}),
});
const usable = cache !== undefined && !script.cachedDataRejected;
process.on("exit", () => {
  // The command that ran, as the CLI names it (main.ts); "" for help, a version or a usage error.
  const command = String((globalThis as { __zrecCommand?: unknown }).__zrecCommand ?? "");
  if (usable && cache.commands.includes(command)) return;
  if (process.uptime() > SAVE_WITHIN_SECONDS) return;
  saveCache(usable ? [...cache.commands, command] : [command]);
});

const cli = { exports: {} };
const run = script.runInThisContext() as (...args: unknown[]) => void;
run.call(cli.exports, cli.exports, createRequire(bundle), cli, bundle, path.dirname(bundle));

/** Written aside and renamed, so that processes saving at once never leave half a file. */
function saveCache(commands: string[]): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    accessSync(path.dirname(cacheFile), constants.W_OK);
    removeAbandoned();
    const data = script.createCachedData();
    const header = { commands, source: sourceSha256, sha256: sha256(data) };
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, "utf8"), data]));
    renameSync(temporary, cacheFile);
  } catch {
    // A folder zrec may not write to (a system-wide install): every run compiles, as before.
    try {
      rmSync(temporary, { force: true });
    } catch {}
  }
}

/** Files a process killed while saving left (`….cache.<pid>`): theirs is no longer running. */
function removeAbandoned(): void {
  const folder = path.dirname(bundle);
  for (const name of readdirSync(folder)) {
    const pid = /^zrec-bundle\.cjs\.[0-9a-f]+\.cache\.(\d+)$/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || running(Number(pid))) continue;
    rmSync(path.join(folder, name), { force: true });
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
