/**
 * The `zrec` binary (the bundle script copies this file's output to dist/zrec.js): runs the CLI's
 * bundle, dist/zrec.cjs, compiled with the V8 code cache kept beside it, dist/zrec.cjs.cache.
 *
 * Why: Node 20 has no compile cache, and every run parsed and compiled the CLI, core, undici and zod
 * again before its first request: measured on the benchmark machine, a 256 MiB `zrec ingest` sent its
 * first request 50 ms sooner and ended 80 ms sooner with the cache (BENCHMARKS.md, issue #16). V8 code
 * caches exist for scripts only, hence one CommonJS bundle (its modules still run only when a command
 * needs them) instead of ES module chunks.
 *
 * The cache is V8's own format, checked by V8 against the source, V8's version and its flags; one that
 * does not match is rejected and the bundle compiles as without it. It is written beside the bundle
 * (never in a shared folder: bytecode loaded from there would run as zrec) after a run that compiled
 * code it lacked: the first run of each command, or any run whose cache was rejected. It is a plain
 * optimisation: a cache that cannot be read or written changes nothing but the speed.
 */
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const bundle = fileURLToPath(new URL("./zrec.cjs", import.meta.url));
const cacheFile = `${bundle}.cache`;

/**
 * The cache file: a line of JSON (the commands whose code it holds, and the SHA-256 of the rest), then
 * V8's bytes. V8 checks what its bytes were made for, but a release build does not checksum them: a
 * damaged file could crash every run, so the digest is checked here first.
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
      sha256?: unknown;
    };
    const data = file.subarray(newline + 1);
    if (header.sha256 !== sha256(data) || !Array.isArray(header.commands)) return undefined;
    return { commands: header.commands.map(String), data };
  } catch {
    return undefined;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The command run: the first word that is not an option (`--config FILE` aside, close enough). */
const command = process.argv.slice(2).find((arg) => !arg.startsWith("-")) ?? "";
const cache = readCache();
const source = readFileSync(bundle, "utf8");
const script = new vm.Script(Module.wrap(source), {
  filename: bundle,
  ...(cache ? { cachedData: cache.data } : {}),
});
const usable = cache !== undefined && !script.cachedDataRejected;
if (!usable || !cache.commands.includes(command)) {
  process.on("exit", () => saveCache(usable ? [...cache.commands, command] : [command]));
}

const cli = { exports: {} };
const run = script.runInThisContext() as (...args: unknown[]) => void;
run.call(cli.exports, cli.exports, createRequire(bundle), cli, bundle, path.dirname(bundle));

/** Written aside and renamed, so that processes saving at once never leave half a file. */
function saveCache(commands: string[]): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    accessSync(path.dirname(cacheFile), constants.W_OK);
    const data = script.createCachedData();
    const header = Buffer.from(`${JSON.stringify({ commands, sha256: sha256(data) })}\n`, "utf8");
    writeFileSync(temporary, Buffer.concat([header, data]));
    renameSync(temporary, cacheFile);
  } catch {
    // A folder zrec may not write to (a system-wide install): every run compiles, as before.
    try {
      rmSync(temporary, { force: true });
    } catch {}
  }
}
