/**
 * The website end to end: `zrec site build` on the embedded default, `zrec site serve`, and headless
 * Chromium reading it as a visitor would; `zrec search` on the same index. Screenshots go to
 * test/artifacts/ (not committed).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeBackends, createBackends, loadConfig, type RecordingDocument } from "@zrec/core";
import { cliMain, runZrec } from "@zrec/test-utils/cli";
import { seedRecording } from "@zrec/test-utils/fixtures/site";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, launchBrowser, type PageProblems, watchPage } from "./site-browser.js";

/**
 * The page's objects these tests touch, typed here: the test files compile without the DOM library
 * (adding it would clash with Node's stream and fetch types elsewhere).
 */
interface Listening {
  addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
}
interface PagePlayer extends Listening {
  tagName: string;
  readyState: number;
  currentTime: number;
  duration: number;
  currentSrc: string;
  textTracks: ArrayLike<{ cues: ArrayLike<{ text: string }> | null }>;
  querySelector(selector: string): (Listening & { kind: string; readyState: number }) | null;
}
declare const document: { getElementById(id: string): PagePlayer | null };

const fixture = (name: string) => readFile(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
const artifacts = fileURLToPath(new URL("./artifacts/", import.meta.url));

describe("the archive's website in a browser", () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let origin: string;
  let home: string;
  let browser: Browser;
  let folio: RecordingDocument;
  let olf: RecordingDocument;
  let olfAudio: RecordingDocument;
  let secret: RecordingDocument;
  const zrec = (...args: string[]) => runZrec(args, { cwd: dir });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "zrec-site-"));
    const config = {
      organizations: [
        { name: "OLF", match: ["OLF"] },
        { name: "FOLIO", match: ["FOLIO"] },
        { name: "Secret", match: ["Secret"] },
      ],
      site: { organizations: ["OLF", "FOLIO"], title: "Open Library archive" },
    };
    await writeFile(join(dir, "zrec.config.json"), JSON.stringify(config));
    const backends = await createBackends(loadConfig(config, { baseDir: dir, env: {} }), { baseDir: dir });
    try {
      const [video, audio] = await Promise.all([fixture("tiny.mp4"), fixture("tiny.m4a")]);
      folio = await seedRecording(backends, {
        topic: "FOLIO Sys Ops & Management SIG",
        organization: "FOLIO",
        start: "2024-07-04T17:02:30Z",
        media: { bytes: video },
        said: [
          [2, "Ada Lovelace: Welcome to the <b>sys ops</b> meeting."],
          [12, "Grace Hopper: The zanzibar cluster is upgraded."],
          [20, "Ada Lovelace: Any questions before we close?"],
        ],
        chat: "00:00:15\t From  Grace Hopper : link to the runbook\n",
      });
      olf = await seedRecording(backends, {
        topic: "OLF Board meeting",
        organization: "OLF",
        start: "2024-06-01T14:00:00Z",
        media: { bytes: video },
        said: [[3, "Board chair: the budget is approved"]],
      });
      olfAudio = await seedRecording(backends, {
        topic: "OLF Board meeting",
        organization: "OLF",
        start: "2024-05-01T14:00:00Z",
        media: { bytes: audio, audioOnly: true },
        said: [[5, "Board chair: minutes of April"]],
      });
      secret = await seedRecording(backends, {
        topic: "Secret merger talks",
        organization: "Secret",
        start: "2024-07-05T14:00:00Z",
        media: { bytes: video },
        said: [[4, "Mallory: the quokka acquisition"]],
      });
    } finally {
      await closeBackends(backends);
    }

    const build = await zrec("site", "build", "--json");
    expect(build.stderr).toBe("");
    expect(build.code).toBe(0);
    expect(JSON.parse(build.stdout)).toMatchObject({ published: 3, full: true });

    server = spawn(process.execPath, [cliMain, "site", "serve", "--port", "0", "--json"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      let text = "";
      server?.stdout?.on("data", (chunk) => {
        text += chunk;
        if (text.includes("\n")) resolve(text.split("\n")[0] ?? "");
      });
      server?.once("exit", (code) => reject(new Error(`zrec site serve exited with ${code}`)));
    });
    home = (JSON.parse(firstLine) as { url: string }).url;
    origin = new URL(home).origin;
    browser = await launchBrowser();
    await mkdir(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  });

  async function open(url: string): Promise<{ page: Page; problems: PageProblems }> {
    const page = await browser.context.newPage();
    const problems = watchPage(page, origin);
    await page.goto(url, { waitUntil: "load" });
    return { page, problems };
  }

  function expectNoProblems(problems: PageProblems) {
    expect(problems).toEqual({ console: [], failed: [], foreign: [] });
  }

  it("reaches every published recording from the home page, and no other", async () => {
    const { page, problems } = await open(home);
    expect(await page.title()).toBe("Open Library archive");
    const orgLinks = await page
      .locator("ul.orgs a")
      .evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    expect(orgLinks).toHaveLength(2);
    const reached = new Set<string>();
    for (const link of orgLinks) {
      await page.goto(link);
      for (const href of await page
        .locator("main a[href*='rec/']")
        .evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href))) {
        reached.add(/rec\/([0-9a-f-]+)\.html/.exec(href)?.[1] ?? href);
      }
    }
    expect([...reached].sort()).toEqual([folio, olf, olfAudio].map((d) => d.recording_id).sort());
    await page.screenshot({ path: join(artifacts, "organisation.png"), fullPage: true });
    expectNoProblems(problems);
    await page.close();
  });

  it("finds the one recording whose transcript has a word, and opens it at that moment", async () => {
    const { page, problems } = await open(home);
    await page.locator("#q").fill("Zanzibar");
    const results = page.locator("#search-results li");
    await results.first().waitFor();
    expect(await results.count()).toBe(1);
    const link = results.first().locator("a");
    expect(await link.textContent()).toBe(folio.meeting_topic);
    expect(await link.getAttribute("href")).toBe(`rec/${folio.recording_id}.html#t=12`);
    expect(await results.first().locator(".snippet").textContent()).toContain("zanzibar cluster");
    expect(await page.locator("#main").isHidden()).toBe(true);
    await page.screenshot({ path: join(artifacts, "search.png") });

    await link.click();
    await page.waitForURL(`**/rec/${folio.recording_id}.html#t=12`);
    await page.waitForFunction(() => {
      const player = document.getElementById("player");
      return player !== null && player.readyState >= 1 && Math.abs(player.currentTime - 12) < 0.5;
    });
    expectNoProblems(problems);
    await page.close();
  });

  it("plays the store's media with the transcript as captions, and a transcript line seeks the player", async () => {
    const { page, problems } = await open(new URL(`rec/${folio.recording_id}.html`, home).href);
    const media = await page.evaluate(async () => {
      const player = document.getElementById("player") as PagePlayer;
      const track = player.querySelector("track") as NonNullable<ReturnType<PagePlayer["querySelector"]>>;
      await new Promise<void>((resolve) => {
        if (player.readyState >= 1) resolve();
        else player.addEventListener("loadedmetadata", resolve, { once: true });
      });
      if (track.readyState !== 2)
        await new Promise<void>((resolve) => track.addEventListener("load", resolve, { once: true }));
      return {
        tag: player.tagName,
        src: player.currentSrc,
        duration: Math.round(player.duration),
        captions: track.kind,
        cues: Array.from(player.textTracks[0]?.cues ?? [], (cue) => cue.text),
      };
    });
    expect(media).toMatchObject({
      tag: "VIDEO",
      src: `${origin}/${folio.recording_id}/shared_screen_with_speaker_view.mp4`,
      duration: 30,
      captions: "captions",
    });
    expect(media.cues).toContain("Grace Hopper: The zanzibar cluster is upgraded.");

    await page.locator(".transcript a.seek", { hasText: "00:20" }).click();
    await page.waitForFunction(
      () => Math.abs((document.getElementById("player") as PagePlayer).currentTime - 20) < 1,
    );
    expect(await page.locator(".transcript li.current").textContent()).toContain("Any questions");
    expect(page.url()).toMatch(/#t=20$/);
    // Host-chosen markup in a transcript line is shown as text.
    expect(await page.locator(".transcript li").first().textContent()).toContain(
      "Welcome to the sys ops meeting.",
    );
    expect(await page.locator(".transcript b").count()).toBe(0);
    expect(await page.locator(".chat li").textContent()).toContain("link to the runbook");
    await page.screenshot({ path: join(artifacts, "recording.png") });

    // Keyboard: a transcript time stamp is a link; Enter on it seeks like a click.
    await page.locator(".transcript a.seek", { hasText: "00:12" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      () => Math.abs((document.getElementById("player") as PagePlayer).currentTime - 12) < 1,
    );
    // A phone: nothing wider than the screen, the transcript below the player.
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, "recording-phone.png"), fullPage: true });
    expectNoProblems(problems);
    await page.close();

    const audio = await open(new URL(`rec/${olfAudio.recording_id}.html`, home).href);
    await audio.page.waitForFunction(() => (document.getElementById("player") as PagePlayer).readyState >= 1);
    expect(await audio.page.locator("audio#player").count()).toBe(1);
    expectNoProblems(audio.problems);
    await audio.page.close();
  });

  it("shows an unpublished organisation's recordings and words nowhere", async () => {
    const { page, problems } = await open(home);
    await page.locator("#q").fill("quokka");
    await page.locator("#search-results h2").waitFor();
    expect(await page.locator("#search-results h2").textContent()).toContain("No recording matches");
    expectNoProblems(problems);
    await page.close();

    const siteDir = join(dir, "zrec-data", "site");
    for (const file of await readdir(siteDir, { recursive: true })) {
      if (!/\.(html|json|js|css)$/.test(file)) continue;
      const text = await readFile(join(siteDir, file), "utf8");
      for (const leak of ["Secret", "quokka", "Mallory", secret.recording_id])
        expect(text).not.toContain(leak);
    }
  });

  it("answers the same question on the command line", async () => {
    const found = await zrec("search", "zanzibar", "--json");
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout)).toEqual([
      expect.objectContaining({
        recording_id: folio.recording_id,
        at: 12,
        page: `rec/${folio.recording_id}.html#t=12`,
      }),
    ]);
    const topic = await zrec("search", "board", "meeting");
    expect(topic.code).toBe(0);
    expect(topic.stdout).toContain(olf.recording_id);
    expect(topic.stdout).toContain(olfAudio.recording_id);
    const none = await zrec("search", "quokka");
    expect(none).toMatchObject({ code: 0, stdout: 'No published recording matches "quokka".\n' });
  });
});
