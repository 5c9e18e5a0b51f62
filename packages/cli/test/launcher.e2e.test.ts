/**
 * The binary (src/launcher.ts) runs the bundle with a V8 code cache beside it: the first run of a
 * command writes it, a run of a command it already holds leaves it, and a cache made from another
 * bundle, one V8 rejects, one damaged or one that is not a cache at all is replaced without the run
 * noticing. Each case runs a copy of the built binary and bundle in its own folder (under
 * test/artifacts, so that the CLI's dependencies still resolve).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const cliDir = dirname(dirname(fileURLToPath(import.meta.url)));
const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const sha256 = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Runs `node args` in `cwd` with an empty environment but PATH; resolves with its exit code and output. */
function runNode(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A copy of the built binary and bundle; `--version` reads the package.json beside its dist/. */
async function copyOfTheBinary() {
  const artifacts = join(cliDir, "test", "artifacts");
  await mkdir(artifacts, { recursive: true });
  const root = await mkdtemp(join(artifacts, "launcher-"));
  made.push(root);
  const dist = join(root, "dist");
  await mkdir(dist);
  await copyFile(join(cliDir, "package.json"), join(root, "package.json"));
  for (const file of ["zrec.cjs", "zrec-bundle.cjs"])
    await copyFile(join(cliDir, "dist", file), join(dist, file));
  const run = (args: string[]) => runNode([join(dist, "zrec.cjs"), ...args], root);
  /** The cache file (one per Node version and flags: these runs make one). */
  const cacheFile = async () => {
    const caches = (await readdir(dist)).filter((name) =>
      /^zrec-bundle\.cjs\.[0-9a-f]{12}\.cache$/.test(name),
    );
    expect(caches.length).toBe(1);
    return join(dist, caches[0] as string);
  };
  const header = async () => {
    const bytes = await readFile(await cacheFile());
    const { commands } = JSON.parse(bytes.subarray(0, bytes.indexOf(10)).toString("utf8")) as {
      commands: string[];
    };
    return { commands };
  };
  return { root, dist, run, cacheFile, header };
}

describe("the binary", () => {
  it("also runs by its old name, dist/zrec.js, which units and scripts written before may name", async () => {
    const old = await runNode([join(cliDir, "dist", "zrec.js"), "--version"], cliDir);
    expect(old.code, old.stderr).toBe(0);
    const current = await runNode([join(cliDir, "dist", "zrec.cjs"), "--version"], cliDir);
    expect(old.stdout).toBe(current.stdout);
  });
});

describe("the binary's code cache", () => {
  it("is written by the first run of each command and left alone by the next runs of it", async () => {
    const { dist, run, cacheFile, header } = await copyOfTheBinary();
    const version = await run(["--version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(await header()).toEqual({ commands: [""] });
    const written = (await stat(await cacheFile())).mtimeMs;

    expect((await run(["--version"])).code).toBe(0);
    expect((await stat(await cacheFile())).mtimeMs).toBe(written);

    // No archive here: `list` fails (exit 2) once its code has run, which the cache now holds too.
    // The command is the one the CLI ran, not the first word that is not an option.
    const list = await run(["--config", "nowhere.json", "list"]);
    expect(list.code, list.stderr).toBe(2);
    expect(await header()).toEqual({ commands: ["", "list"] });
    // Written aside and renamed: nothing else is left in the folder.
    expect((await readdir(dist)).length).toBe(3);
  });

  it("is not used for a bundle changed in place, even one of the same length", async () => {
    const { dist, run, header } = await copyOfTheBinary();
    const before = await run(["--help"]);
    expect(before.stdout).toMatch(/print the version/);
    const bundle = join(dist, "zrec-bundle.cjs");
    await writeFile(
      bundle,
      (await readFile(bundle, "utf8")).replaceAll("print the version", "PRINT THE VERSION"),
    );
    const after = await run(["--help"]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/PRINT THE VERSION/);
    expect(await header()).toEqual({ commands: [""] });
  });

  it("is replaced when V8 rejects it, it is damaged or it is not a cache, and the run goes on", async () => {
    const { dist, run, cacheFile, header } = await copyOfTheBinary();
    expect((await run(["--version"])).code).toBe(0);
    const file = await cacheFile();
    // Made from this bundle, whole, but bytes V8 cannot take (another Node's cache looks like this).
    const source = sha256(await readFile(join(dist, "zrec-bundle.cjs"), "utf8"));
    const bytes = Buffer.from("x".repeat(4096));
    const line = JSON.stringify({ commands: ["", "list"], source, sha256: sha256(bytes) });
    await writeFile(file, Buffer.concat([Buffer.from(`${line}\n`), bytes]));
    const rejected = await run(["--version"]);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await header()).toEqual({ commands: [""] });

    // A good cache damaged on disk: its digest no longer matches, so V8 never sees it.
    const damaged = Buffer.from(await readFile(file));
    damaged[damaged.length - 100] = (damaged[damaged.length - 100] ?? 0) ^ 0xff;
    await writeFile(file, damaged);
    const list = await run(["list"]);
    expect(list.code, list.stderr).toBe(2);
    expect(await header()).toEqual({ commands: ["list"] });

    await writeFile(file, "not a cache");
    const garbage = await run(["--version"]);
    expect(garbage.code, garbage.stderr).toBe(0);
    expect(await header()).toEqual({ commands: [""] });
  });

  it("clears what a process killed while saving left, and only that", async () => {
    const { dist, run, cacheFile } = await copyOfTheBinary();
    expect((await run(["--version"])).code).toBe(0);
    const file = await cacheFile();
    // A pid no process has (above Linux's largest), and this test's own, which runs.
    const abandoned = `${file}.4194305`;
    const living = `${file}.${process.pid}`;
    await writeFile(abandoned, "half a cache");
    await writeFile(living, "being written");
    expect((await run(["list"])).code).toBe(2);
    const left = await readdir(dist);
    expect(left).not.toContain(abandoned.slice(dist.length + 1));
    expect(left).toContain(living.slice(dist.length + 1));
  });
});
