import { readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

const INCLUDE = ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"];

/**
 * Test files that patch what every module shares (nock's interceptors, module mocks, spies on imported
 * objects, fake timers, stubbed globals). They get a fresh module graph each; every other file shares its
 * worker's loaded modules with the files before it, which saves the ~45 s of CPU that re-importing the
 * AWS SDK, undici and zod into a fresh process per file cost (the suite went from about 260 s to 200 s on
 * two cores). Found by reading the files, so that a new test that mocks is isolated without anyone having
 * to remember this list.
 */
const PATCHES_SHARED_STATE = /from "nock"|vi\.(mock|doMock|spyOn|stubGlobal|stubEnv|useFakeTimers)\(/;

function testFiles(): string[] {
  const found: string[] = [];
  for (const pkg of readdirSync("packages")) {
    for (const folder of ["src", "test"]) {
      let names: string[];
      try {
        names = readdirSync(`packages/${pkg}/${folder}`, { recursive: true }) as string[];
      } catch {
        continue;
      }
      for (const name of names)
        if (name.endsWith(".test.ts")) found.push(`packages/${pkg}/${folder}/${name}`);
    }
  }
  return found;
}

const isolated = testFiles().filter((file) => PATCHES_SHARED_STATE.test(readFileSync(file, "utf8")));

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources (the `source` export condition), so tests need no
  // build and a package's own tests and its importers (@zrec/test-utils) share one instance of its modules.
  // Vite 6+ applies `resolve.conditions` to browser code only; tests in Node take `ssr.resolve.conditions`
  // (after "source", vitest's defaults: no "module", whose untranspiled builds Node cannot load).
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source", "node", "development|production"] } },
  test: {
    // The AWS SDK warns on every client that Node 20 support ends in 2027; once is in the README.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    // Most end-to-end time is spent in child processes (the built CLI, zoom-sim, s3rver) and waiting on
    // them, so two files at once on two cores; a third worker was measured no faster (CPU-bound then).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "isolated", include: isolated } },
      { extends: true, test: { name: "shared", include: INCLUDE, exclude: isolated, isolate: false } },
    ],
  },
});
