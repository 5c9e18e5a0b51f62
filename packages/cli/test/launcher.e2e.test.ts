/**
 * The binary (src/launcher.ts) runs the bundle with a V8 code cache beside it: the first run of a
 * command writes it, a run of a command it already holds leaves it, and a cache that V8 rejects or that
 * is not one at all is replaced without the run noticing. Each case runs a copy of the built binary and
 * bundle in its own folder (under test/artifacts, so that the CLI's dependencies still resolve).
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

/** A copy of the built binary and bundle; `--version` reads the package.json beside its dist/. */
async function copyOfTheBinary() {
  const artifacts = join(cliDir, "test", "artifacts");
  await mkdir(artifacts, { recursive: true });
  const root = await mkdtemp(join(artifacts, "launcher-"));
  made.push(root);
  const dist = join(root, "dist");
  await mkdir(dist);
  await copyFile(join(cliDir, "package.json"), join(root, "package.json"));
  for (const file of ["zrec.js", "zrec.cjs"]) await copyFile(join(cliDir, "dist", file), join(dist, file));
  const cache = join(dist, "zrec.cjs.cache");
  const run = (args: string[]) => runNode([join(dist, "zrec.js"), ...args], root);
  const header = async () => {
    const bytes = await readFile(cache);
    const { commands } = JSON.parse(bytes.subarray(0, bytes.indexOf(10)).toString("utf8")) as {
      commands: string[];
    };
    return { commands };
  };
  return { root, dist, cache, run, header };
}

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

describe("the binary's code cache", () => {
  it("is written by the first run of each command and left alone by the next runs of it", async () => {
    const { dist, cache, run, header } = await copyOfTheBinary();
    const version = await run(["--version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(await header()).toEqual({ commands: [""] });
    const written = (await stat(cache)).mtimeMs;

    expect((await run(["--version"])).code).toBe(0);
    expect((await stat(cache)).mtimeMs).toBe(written);

    // No archive here: `list` fails (exit 2), having run its code, which the cache now holds too.
    const list = await run(["list"]);
    expect(list.code, list.stderr).toBe(2);
    expect(await header()).toEqual({ commands: ["", "list"] });
    // Written aside and renamed: nothing else is left in the folder.
    expect((await readdir(dist)).sort()).toEqual(["zrec.cjs", "zrec.cjs.cache", "zrec.js"]);
  });

  it("is replaced when V8 rejects it or it is not a cache, and the run goes on as without one", async () => {
    const { cache, run, header } = await copyOfTheBinary();
    // A whole file whose bytes V8 cannot take (another Node's cache looks like this to it).
    const bytes = Buffer.from("x".repeat(4096));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await writeFile(
      cache,
      Buffer.concat([Buffer.from(`${JSON.stringify({ commands: ["", "list"], sha256 })}\n`), bytes]),
    );
    const rejected = await run(["--version"]);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await header()).toEqual({ commands: [""] });

    await writeFile(cache, "not a cache");
    const garbage = await run(["--version"]);
    expect(garbage.code, garbage.stderr).toBe(0);
    expect(await header()).toEqual({ commands: [""] });

    // A good cache damaged on disk: its digest no longer matches, so V8 never sees it.
    const good = await readFile(cache);
    const damaged = Buffer.from(good);
    damaged[damaged.length - 100] = (damaged[damaged.length - 100] ?? 0) ^ 0xff;
    await writeFile(cache, damaged);
    const again = await run(["list"]);
    expect(again.code, again.stderr).toBe(2);
    expect(await header()).toEqual({ commands: ["list"] });
  });
});
