/**
 * Headless Chromium for the site's browser tests: Debian's `chromium` (apt-get install chromium; .ci/run
 * installs it) driven by playwright-core, with a fresh profile and nothing that talks to Google.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.ZREC_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "zrec-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** What went wrong while a page was open: console errors, page errors, failed or foreign requests. */
export interface PageProblems {
  console: string[];
  failed: string[];
  foreign: string[];
}

/** Watches `page` for problems; a request to any origin but `origin` is one. */
export function watchPage(page: Page, origin: string): PageProblems {
  const problems: PageProblems = { console: [], failed: [], foreign: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.console.push(message.text());
  });
  page.on("pageerror", (error) => problems.console.push(error.message));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith("data:")) problems.foreign.push(url);
  });
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText ?? "";
    // A player cancels its own Range requests when it seeks or has buffered enough: not a failure.
    if (reason === "net::ERR_ABORTED" && ["media", "texttrack"].includes(request.resourceType())) return;
    problems.failed.push(`${request.url()} ${reason}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.failed.push(`${response.url()} ${response.status()}`);
  });
  return problems;
}
