/**
 * zrec on the PATH, as the README installs it: `npm install -g ./packages/cli` from the clone (after
 * `pnpm install` and `pnpm build`) links the built CLI into npm's global prefix, offline. Here the prefix
 * is a temporary folder; the command is then found by name from an unrelated folder.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const cliPackage = fileURLToPath(new URL("..", import.meta.url));

describe("zrec installed on the PATH", () => {
  it("npm install -g of the package folder gives a zrec that runs in the folder it is called from", async () => {
    const prefix = await mkdtemp(join(tmpdir(), "zrec-prefix-"));
    await run(
      "npm",
      ["install", "--global", "--offline", "--no-audit", "--no-fund", "--prefix", prefix, cliPackage],
      { timeout: 60_000 },
    );
    const env = { ...process.env, PATH: `${join(prefix, "bin")}${delimiter}${process.env.PATH ?? ""}` };
    const { version } = JSON.parse(await readFile(join(cliPackage, "package.json"), "utf8"));
    expect((await run("zrec", ["--version"], { env })).stdout.trim()).toBe(version);

    const elsewhere = await mkdtemp(join(tmpdir(), "zrec-elsewhere-"));
    await run("zrec", ["setup", "--quiet"], { env, cwd: elsewhere });
    const listed = await run("zrec", ["list"], { env, cwd: elsewhere });
    expect(listed.stdout).toBe("No recordings are archived yet.\n");
    expect(await readdir(join(elsewhere, "zrec-data"))).toContain("index.db");
  });
});
