import { defineConfig } from "vitest/config";

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources (the `source` export condition), so tests need no
  // build and a package's own tests and its importers (@zrec/test-utils) share one instance of its modules.
  // Vite 6+ applies `resolve.conditions` to browser code only; tests in Node take `ssr.resolve.conditions`
  // (after "source", vitest's defaults: no "module", whose untranspiled builds Node cannot load).
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source", "node", "development|production"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    // The AWS SDK warns on every client that Node 20 support ends in 2027; once is in the README.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    // Most end-to-end time is spent waiting on child processes (the built CLI, zoom-sim, s3rver), so two
    // files at once on two cores finish the suite in about 4.5 minutes instead of 7.5 (vitest's default
    // on two cores is one worker).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
