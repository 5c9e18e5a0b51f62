/**
 * Helpers for the end-to-end suites that drive the built `zrec`: the runner, workspaces pointing at
 * zoom-sim, the two backends (embedded, and AWS on s3rver + dynalite) and the operator-command archives.
 */
export * from "./backends.js";
export * from "./operations.js";
export * from "./support.js";
