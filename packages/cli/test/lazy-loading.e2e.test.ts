/**
 * Heavy backends load only when configured: a run on the embedded default never loads the AWS SDK, an
 * AWS run never loads SQLite, `zrec --help` loads neither core nor cosmiconfig, and the commands that
 * only read the archive load no HTTP or Zoom client (issue #18). The built CLI runs with a preloaded
 * hook (module-log/) that writes down every module that runs: the CLI is one bundle (dist/zrec-bundle.cjs)
 * whose modules run when a command first needs them, each named by its path; those the bundle runs at
 * every start are listed in dist/bundle-inputs.json and count as loaded by every run.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { makeWorkspace, runZrec, useBackends } from "@zrec/test-utils/cli";
import { useZoomSim } from "@zrec/test-utils/zoom-sim";
import { describe, expect, it } from "vitest";

const register = pathToFileURL(fileURLToPath(new URL("./module-log/register.mjs", import.meta.url)));
const cliDir = dirname(dirname(fileURLToPath(import.meta.url)));
/** Modules of the bundle that run at every start, by URL. */
const alwaysLoaded = (
  JSON.parse(readFileSync(join(cliDir, "dist", "bundle-inputs.json"), "utf8")) as { alwaysLoaded: string[] }
).alwaysLoaded.map((file) => pathToFileURL(file).href);

const sim = useZoomSim({ host: false });
const aws = useBackends("aws");

/** Runs `zrec args` in `ws` and returns the URLs of the modules it loaded. */
async function modulesLoaded(ws: { dir: string; env: Record<string, string> }, args: string[], exitCode = 0) {
  const log = join(await mkdtemp(join(tmpdir(), "zrec-modules-")), "modules.txt");
  const env = { ...ws.env, NODE_OPTIONS: `--import=${register.href}`, ZREC_MODULE_LOG: log };
  const run = await runZrec(args, { cwd: ws.dir, env });
  expect(run.code, run.stderr).toBe(exitCode);
  const urls = [
    ...alwaysLoaded,
    ...(await readFile(log, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) =>
        line.startsWith("bundle:") ? pathToFileURL(resolve(cliDir, line.slice("bundle:".length))).href : line,
      ),
  ];
  return {
    urls,
    loads: (pattern: RegExp) => urls.some((url) => pattern.test(url)),
  };
}

const AWS_SDK = /\/node_modules\/(\.pnpm\/)?@aws()-sdk[+/]/;
const SQLITE = /\/better-sqlite3\//;
const CORE = /\/packages\/core\/dist\//;

describe("module loading", () => {
  it("a run on the embedded default loads core and SQLite, never the AWS SDK", async () => {
    const ws = await makeWorkspace(sim());
    // `list` opens only an archive that exists (it never creates one).
    expect((await runZrec(["setup"], { cwd: ws.dir, env: ws.env })).code).toBe(0);
    const { loads } = await modulesLoaded(ws, ["list", "--json"]);
    expect(loads(CORE)).toBe(true);
    expect(loads(SQLITE)).toBe(true);
    expect(loads(AWS_SDK)).toBe(false);
  });

  it("a run on S3 and DynamoDB loads the AWS SDK, never SQLite", async () => {
    const ws = await makeWorkspace(sim(), {}, aws());
    const { loads } = await modulesLoaded(ws, ["list", "--json"]);
    expect(loads(AWS_SDK)).toBe(true);
    expect(loads(SQLITE)).toBe(false);
  });

  it("list, get, jobs list, search and site build load no HTTP client, no Zoom client and zod as one bundled module", async () => {
    const ws = await makeWorkspace(sim());
    expect((await runZrec(["setup"], { cwd: ws.dir, env: ws.env })).code).toBe(0);
    const id = "0a7203ad-04ac-45d8-bd6d-6a778f226c65";
    // The command files each defines: `site` defines its subcommands with it.
    const defined: Record<string, string[]> = {
      list: ["list.js"],
      get: ["get.js"],
      jobs: ["jobs.js"],
      search: ["search.js"],
      site: ["site-build.js", "site-serve.js", "site.js"],
    };
    for (const args of [["list"], ["get", id], ["jobs", "list"], ["site", "build"], ["search", "anything"]]) {
      // An empty index: get answers "not in the index" (exit 2), after loading all it needs.
      const { urls } = await modulesLoaded(ws, args, args[0] === "get" ? 2 : 0);
      const unwanted = urls.filter((url) =>
        /\/undici\/|\/zod\/|\/core\/dist\/(zoom\/(api|http|download|oauth)|transfer\/|pipeline\/deps)/.test(
          url,
        ),
      );
      expect(unwanted, args.join(" ")).toEqual([]);
      expect(urls.some((url) => url.endsWith("/core/dist/config/zod.js"))).toBe(true);
      // Only the invoked command is defined (#18); zrec.config.json is read without cosmiconfig.
      const commands = urls.filter((url) => /\/cli\/dist\/commands\/(?!index\.js)/.test(url));
      expect(commands.map((url) => url.replace(/.*\/commands\//, "")).sort(), args.join(" ")).toEqual(
        defined[args[0] as string],
      );
      expect(
        urls.filter((url) => /cosmiconfig|\/ora\//.test(url)),
        args.join(" "),
      ).toEqual([]);
    }
  });

  it("an ingest over HTTP loads neither Node's HTTP/2 nor TLS: undici's HTTP/2 client is left out of the bundle", async () => {
    const zoom = sim();
    const meeting = zoom.addMeeting({
      topic: "FOLIO weekly",
      startTime: "2025-02-03T15:00:00Z",
      durationMinutes: 30,
      files: [{ fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size: 3 * 1024 * 1024 }],
    });
    const ws = await makeWorkspace(zoom, { ingest: { partSizeMiB: 5 } });
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(zoom.recordingEvent(meeting.uuid)));
    const { urls, loads } = await modulesLoaded(ws, ["ingest", "webhook.json", "--json"]);
    // The log reaches Node's own modules: the test would pass for nothing otherwise.
    expect(loads(/^node:worker_threads$/)).toBe(true);
    expect(urls.filter((url) => /^node:(http2|tls)$/.test(url))).toEqual([]);
  });

  it("zrec --help loads commander and nothing of core, cosmiconfig, ora or any command's module", async () => {
    const ws = await makeWorkspace(sim());
    const { urls, loads } = await modulesLoaded(ws, ["--help"]);
    expect(loads(/\/commander\//)).toBe(true);
    const unwanted = /cosmiconfig|\/ora\/|\/cli\/dist\/commands\/(?!index\.js)/;
    expect(urls.filter((url) => CORE.test(url) || unwanted.test(url))).toEqual([]);
  });

  it("a configuration that is not JSON is still found, through cosmiconfig", async () => {
    const ws = await makeWorkspace(sim());
    // JSON is YAML: the same file, read by cosmiconfig's YAML loader (any .json is read without it).
    await rename(join(ws.dir, "zrec.config.json"), join(ws.dir, "zrec.config.yaml"));
    expect((await runZrec(["setup"], { cwd: ws.dir, env: ws.env })).code).toBe(0);
    const { loads } = await modulesLoaded(ws, ["list", "--json"]);
    expect(loads(/cosmiconfig/)).toBe(true);
  });
});
