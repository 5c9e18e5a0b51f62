#!/usr/bin/env node
/**
 * The `zrec` binary. The only file that decides the exit code: commands throw, handleError reports.
 * The code is set, not exited with, so output still being written reaches the terminal or the pipe.
 */
import { handleError } from "./errors.js";
import { buildProgram } from "./program.js";

// On Node 20 the AWS SDK prints eight lines about needing Node 22 from 2027 on every AWS run, --quiet
// and --json too, filling cron logs; docs/configuration.md says it once instead. A user who sets the
// variable wins.
if (!process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}

// `zrec list | head` closes stdout early; that is the reader's choice, not a failure worth a stack.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const parsed = program.opts<{ verbose?: boolean; json?: boolean }>();
  // A usage error can stop commander before it has read --json or --verbose; the raw words still tell.
  const args = process.argv.slice(2);
  process.exitCode = handleError(error, {
    verbose: parsed.verbose === true || args.includes("--verbose"),
    json: parsed.json === true || args.includes("--json"),
  });
}
