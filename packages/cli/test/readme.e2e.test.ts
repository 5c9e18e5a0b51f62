/**
 * The "Trying every command by hand" block of docs/commands.md, run as written with bash in an empty
 * folder, with `zrec` and `zoom-sim` on the PATH as `npm install -g` would put them (here: two small
 * launchers of the built packages). It must finish, exit 0 and do what the block's comments say. (The
 * file keeps the name it had when the block was in the README.)
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const MARKER = "<!-- readme-check: try-by-hand";
const GUIDE = "docs/commands.md";

/** The first ```sh block after the marker comment. */
function markedBlock(guide: string): string {
  const start = guide.indexOf(MARKER);
  if (start < 0) throw new Error(`${GUIDE} has no readme-check marker`);
  const match = /```sh\n([\s\S]*?)\n```/.exec(guide.slice(start));
  if (!match?.[1]) throw new Error("no ```sh block after the readme-check marker");
  return match[1];
}

async function launchers(dir: string): Promise<string> {
  const bin = join(dir, "bin");
  await mkdir(bin);
  const entries = { zrec: "packages/cli/dist/zrec.cjs", "zoom-sim": "packages/zoom-sim/dist/bin.js" };
  for (const [name, entry] of Object.entries(entries)) {
    const file = join(bin, name);
    await writeFile(file, `#!/bin/sh\nexec "${process.execPath}" "${join(repo, entry)}" "$@"\n`);
    await chmod(file, 0o755);
  }
  return bin;
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("bash", ["-e", "-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let [stdout, stderr] = ["", ""];
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // A hang (the sim never ready) fails here rather than outliving the suite.
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the commands guide, run as written", () => {
  it("trying every command by hand with zoom-sim", async () => {
    const block = markedBlock(await readFile(join(repo, GUIDE), "utf8"));
    const dir = await mkdtemp(join(tmpdir(), "zrec-readme-"));
    const bin = await launchers(dir);
    const work = join(dir, "try");
    await mkdir(work);
    const env = { ...process.env, NO_COLOR: "1", PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };
    // If the block fails half way, the sim it started must not outlive the test.
    const run = await bash(`trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${block}`, work, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^warning storage /m);
    expect(run.stdout).toMatch(/^Ingested recording /m);
    expect(run.stdout).toMatch(/^Swept default \(1 user\), .*: 2 meetings \(1 archived, 1 ingested\)\.$/m);
    expect(run.stdout).toMatch(/Budget review$/m);
    expect(run.stdout).toMatch(/^Nothing is due for deletion as of /m);
    expect(run.stderr).toBe("");
  });
});
