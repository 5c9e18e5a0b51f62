/**
 * The size of what the built webhook handler loads on a cold start (issue #14): dist/handlers/webhook.mjs
 * and the chunks it imports statically. Chunks it imports with `import()` (an SDK client, a storage
 * adapter) load only when that code runs and are not counted. Reads the files `pnpm build` wrote, so
 * it runs after the build, as `pnpm test` does.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadedAtImport } from "../scripts/bundle.mjs";

const WEBHOOK = fileURLToPath(new URL("../dist/handlers/webhook.mjs", import.meta.url));
/**
 * 1.9 MiB before #14, 131 KiB after; the limit leaves room for the webhook's own growth (a zod schema
 * of the event) but not for the Zoom client or a whole SDK client coming back.
 */
const WEBHOOK_LIMIT = 600 * 1024;

describe("the built webhook handler", () => {
  it(`loads at most ${WEBHOOK_LIMIT / 1024} KiB on a cold start`, async () => {
    expect(existsSync(WEBHOOK), `${WEBHOOK} is missing: run \`pnpm build\` first`).toBe(true);
    const files = [...(await loadedAtImport(WEBHOOK))];
    const sizes = await Promise.all(files.map(async (file) => (await readFile(file)).length));
    const total = sizes.reduce((sum, bytes) => sum + bytes, 0);
    expect(files.length).toBeGreaterThan(1);
    expect(total, `${(total / 1024).toFixed(0)} KiB in ${files.length} files`).toBeLessThanOrEqual(
      WEBHOOK_LIMIT,
    );
  });
});
