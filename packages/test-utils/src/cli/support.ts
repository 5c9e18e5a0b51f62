/** Helpers for end-to-end tests: a temp workspace with a config pointing at zoom-sim, and the built CLI. */
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Backends } from "@zrec/core";
import type { startZoomSim } from "@zrec/zoom-sim";
import { closeBackends, type TestBackends } from "./backends.js";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;

const require = createRequire(import.meta.url);
const cliPackage = require("@zrec/cli/package.json") as { bin: { zrec: string } };

/** The built `zrec`, where the CLI package's `bin` points (packages/cli/dist/zrec.cjs, the launcher of the bundle): build first. */
export const cliMain = join(dirname(require.resolve("@zrec/cli/package.json")), cliPackage.bin.zrec);

let bundleChecked = false;

/**
 * Fails with what to do when the CLI's bundle is missing or older than the code it bundles: a bare
 * `tsc -b` (`pnpm lint` runs one) updates the packages' dist/ but not the bundle, and every end-to-end
 * test would then run yesterday's CLI without a word. Checked once per process.
 */
function checkBundleFresh(): void {
  if (bundleChecked) return;
  const inputsFile = join(dirname(cliMain), "bundle-inputs.json");
  if (!existsSync(cliMain) || !existsSync(inputsFile)) {
    throw new Error(`${cliMain} is missing: run \`pnpm build\` before the end-to-end tests.`);
  }
  const built = statSync(cliMain).mtimeMs;
  const { inputs } = JSON.parse(readFileSync(inputsFile, "utf8")) as { inputs: string[] };
  const newer = inputs.find(
    (input) => !input.includes("/node_modules/") && existsSync(input) && statSync(input).mtimeMs > built,
  );
  if (newer !== undefined) {
    throw new Error(
      `${cliMain} is older than ${newer}, which it bundles: run \`pnpm build\` (a bare \`tsc -b\` does not bundle).`,
    );
  }
  bundleChecked = true;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the process was still running at the deadline and was killed. */
  killedAtDeadline: boolean;
}

/**
 * Starts the built `zrec` in `cwd` with the given env additions (colour off), for a test that watches
 * or kills it (`serve`, a crash); stdout and stderr are piped unless `stdio` says otherwise.
 * @example
 * const child = spawnZrec(["serve", "--port", "0"], { cwd: ws.dir, env: ws.env });
 */
export function spawnZrec(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; stdio?: StdioOptions },
): ChildProcess {
  checkBundleFresh();
  return spawn(process.execPath, [cliMain, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: options.stdio ?? ["ignore", "pipe", "pipe"],
  });
}

/**
 * Runs the built `zrec` as a user would, in `cwd`, with the given env additions. A process still
 * running at `deadlineMs` (default 60 s) is SIGKILLed: a hang fails its test at the bound instead of
 * outliving the suite.
 * @example
 * const run = await runZrec(["ingest", "webhook.json", "--json"], { cwd: ws.dir, env: ws.env });
 * expect(run.killedAtDeadline).toBe(false);
 */
export function runZrec(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; deadlineMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnZrec(args, options);
    let stdout = "";
    let stderr = "";
    let killedAtDeadline = false;
    const timer = setTimeout(() => {
      killedAtDeadline = true;
      child.kill("SIGKILL");
    }, options.deadlineMs ?? 60_000);
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const leaked = leakedSecret(options.env ?? {}, `${stdout}\n${stderr}`);
      if (leaked) reject(new Error(`zrec ${args.join(" ")} printed the value of ${leaked}`));
      else resolve({ code: code ?? -1, stdout, stderr, killedAtDeadline });
    });
  });
}

/**
 * Writes `event` as the workspace's webhook.json and runs `zrec ingest webhook.json` on it there.
 * @example
 * const run = await ingestEvent(ws, sim.recordingEvent(meeting.uuid));
 * expect(JSON.parse(run.stdout).status).toBe("ingested");
 */
export async function ingestEvent(
  ws: { dir: string; env: Record<string, string> },
  event: unknown,
  flags: string[] = ["--json"],
): Promise<RunResult> {
  await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(event));
  return runZrec(["ingest", "webhook.json", ...flags], { cwd: ws.dir, env: ws.env });
}

/**
 * Starts `zrec ingest` and SIGKILLs it as soon as `due()` says so (checked every millisecond), if it is
 * still running: how did it end? The webhook is `webhook.json` in `cwd`.
 * @example
 * const crash = await ingestKilledWhen(() => sim.requests.length > 3, ws.dir, ws.env);
 */
export function ingestKilledWhen(due: () => boolean, cwd: string, env: Record<string, string>) {
  return new Promise<{ killed: boolean; code: number | null }>((resolve, reject) => {
    const child = spawnZrec(["ingest", "webhook.json", "--json"], { cwd, env, stdio: "ignore" });
    const started = Date.now();
    // A trigger that never fires (the ingest ended another way) still ends in a kill, within 30 s.
    const watch = setInterval(() => {
      if (due() || Date.now() - started > 30_000) child.kill("SIGKILL");
    }, 1);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      resolve({ killed: signal === "SIGKILL", code });
    });
  });
}

/**
 * Every run of the built CLI in the end-to-end suites is also a leak test: the name of a secret in
 * `env` (a `*SECRET*` or `*TOKEN*` variable) whose value appears in the output, if any.
 */
function leakedSecret(env: Record<string, string>, output: string): string | undefined {
  return Object.entries(env).find(
    ([name, value]) => /SECRET|TOKEN/.test(name) && value.length >= 8 && output.includes(value),
  )?.[0];
}

/**
 * On Node 20 the AWS SDK prints ten lines on stderr saying it will soon need Node 22; tests that check
 * stderr would see them on every AWS run.
 */
export const QUIET_AWS_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

/**
 * A fresh folder holding zrec.config.json, talking to `sim`: the embedded default, or with `backends`
 * their storage and index blocks (and the environment that reaches them). The client secret is passed
 * through the environment (as users are told to), not written in the file.
 */
export async function makeWorkspace(
  sim: Sim,
  overrides: Record<string, unknown> = {},
  backends?: Pick<TestBackends, "config" | "env">,
) {
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
      // zoom-sim has no rate limit to respect; Zoom's default pace would make a sweep of 320 users slow.
      maxRequestsPerSecond: 1000,
    },
    ingest: { trashAfterIngest: true, partSizeMiB: 5, partConcurrency: 4 },
    organizations: [{ name: "OLF", match: ["OLF", "Foundation"] }],
    ...backends?.config,
    ...overrides,
  };
  await writeFile(join(dir, "zrec.config.json"), JSON.stringify(config, null, 2));
  const env = { ...QUIET_AWS_SDK, ...backends?.env, ZOOM_CLIENT_SECRET: account.clientSecret };
  return { dir, env, dataDir: join(dir, "zrec-data") };
}

/**
 * Ends one run of a fault suite: closes what it started (the sim, the backends), in that order, then
 * removes the workspace's folder.
 * @example
 * try { ... } finally { await closeRun(ws, sim, backends); }
 */
export async function closeRun(ws: { dir: string }, ...started: { close(): Promise<void> }[]): Promise<void> {
  for (const running of started) await running.close();
  await rm(ws.dir, { recursive: true, force: true });
}

/**
 * Opens the backends a workspace's CLI uses, in this process, runs `use` and closes them again. The AWS
 * SDK reads credentials from the environment at its first request, so `env` stays set until the end.
 * @example
 * const bytes = await withArchive(backends, ws, ({ store }) => store.get(`${id}/audio_only.m4a`));
 */
export async function withArchive<T>(
  backends: TestBackends,
  ws: { dir: string; env: Record<string, string> },
  use: (opened: Backends) => Promise<T>,
): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, ws.env);
  try {
    const opened = await backends.open(ws.dir);
    try {
      return await use(opened);
    } finally {
      await closeBackends(opened);
    }
  } finally {
    process.env = saved;
  }
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * What a store holds, for "nothing changed" comparisons on any backend: every key with its size and
 * ETag (where the store keeps one), and the content hash of the small JSON objects.
 */
export async function storeSnapshot(store: Backends["store"]): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for await (const key of store.list("")) {
    const info = await store.head(key);
    const content = key.endsWith(".json") ? sha256((await store.get(key)) ?? "") : "";
    result[key] = [info?.size, info?.etag ?? "", content].join(" ");
  }
  return result;
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
