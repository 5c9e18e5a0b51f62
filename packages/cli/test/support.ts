/** Helpers for end-to-end tests: a temp workspace with a config pointing at zoom-sim, and the built CLI. */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { startZoomSim } from "@zrec/zoom-sim";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;

const cliMain = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `zrec` as a user would, in `cwd`, with the given env additions. */
export function runZrec(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * A fresh folder holding zrec.config.json for the embedded default, talking to `sim`. The client
 * secret is passed through the environment (as users are told to), not written in the file.
 */
export async function makeWorkspace(sim: Sim, overrides: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "zrec-e2e-"));
  const account = sim.accounts[0];
  if (!account) throw new Error("zoom-sim has no account");
  const config = {
    zoom: {
      accounts: {
        default: { accountId: account.accountId, clientId: account.clientId, clientSecret: "from-env" },
      },
      apiBaseUrl: sim.apiBaseUrl,
      oauthUrl: sim.oauthUrl,
      allowedDownloadHosts: ["127.0.0.1"],
    },
    ingest: { trashAfterIngest: true, partSizeMiB: 5, partConcurrency: 4 },
    organizations: [{ name: "OLF", match: ["OLF", "Foundation"] }],
    ...overrides,
  };
  await writeFile(join(dir, "zrec.config.json"), JSON.stringify(config, null, 2));
  return { dir, env: { ZOOM_CLIENT_SECRET: account.clientSecret }, dataDir: join(dir, "zrec-data") };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every file under `dir` (relative path -> sha256), for "nothing changed" comparisons. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  async function walk(sub: string) {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else result[rel] = await sha256File(join(dir, rel));
    }
  }
  await walk("");
  return result;
}

export async function readJson<T = Record<string, unknown>>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

export async function readLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
