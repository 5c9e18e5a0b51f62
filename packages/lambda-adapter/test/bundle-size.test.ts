/**
 * The size of what the built webhook handler loads on a cold start (issue #14): dist/handlers/webhook.mjs
 * and the chunks it imports statically, directly or through each other. Chunks it imports with
 * `import()` (an SDK client, a storage adapter) load only when that code runs and are not counted.
 * Reads the files `pnpm build` wrote, so it runs after the build, as `pnpm test` does.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const HANDLERS = fileURLToPath(new URL("../dist/handlers/", import.meta.url));
/**
 * 1.9 MiB before #14, 131 KiB after; the limit leaves room for the webhook's own growth (a zod schema
 * of the event) but not for the Zoom client or a whole SDK client coming back.
 */
const WEBHOOK_LIMIT = 600 * 1024;
/** A static import in esbuild's output (`import{a as b}from"./chunks/x.mjs"`, `import"./x.mjs"`), not `import(…)`. */
const STATIC_IMPORT = /\bimport\s*(?:[\w${*][^"'`()]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g;

/** The file and every file it imports statically; a false match in a string only counts more, never less. */
async function loadedFiles(file: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file) || !existsSync(file)) return seen;
  seen.add(file);
  const text = await readFile(file, "utf8");
  for (const [, specifier] of text.matchAll(STATIC_IMPORT)) {
    await loadedFiles(path.resolve(path.dirname(file), specifier ?? ""), seen);
  }
  return seen;
}

describe("the built webhook handler", () => {
  it(`loads at most ${WEBHOOK_LIMIT / 1024} KiB on a cold start`, async () => {
    const webhook = path.join(HANDLERS, "webhook.mjs");
    expect(existsSync(webhook), `${webhook} is missing: run \`pnpm build\` first`).toBe(true);
    const files = await loadedFiles(webhook);
    const sizes = await Promise.all([...files].map(async (file) => (await readFile(file)).length));
    const total = sizes.reduce((sum, bytes) => sum + bytes, 0);
    expect(files.size).toBeGreaterThan(1);
    expect(total, `${(total / 1024).toFixed(0)} KiB in ${files.size} files`).toBeLessThanOrEqual(
      WEBHOOK_LIMIT,
    );
  });
});
