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

/** What standard output and error are, as `process.getActiveResourcesInfo()` names them. */
const OUTPUT = new Set(["TTYWrap", "PipeWrap"]);

// `zrec list | head` closes stdout early; that is the reader's choice, not a failure worth a stack.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

// No top-level await: the bundle is CommonJS (launcher.ts says why), which has none.
void main();

async function main(): Promise<void> {
  const program = await buildProgram(process.argv.slice(2));
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
  exitWhenOnlyOutputIsLeft();
}

/**
 * Ends the process at once when nothing but its own output would keep it alive: then it ends now as it
 * would a moment later, without tearing down the heap, the hashing thread and the buffers first (~20 ms
 * of every run, on the benchmark machine). Anything else still running (a socket, a timer, a file
 * operation) is left to end as Node would; output still being written is waited for.
 */
function exitWhenOnlyOutputIsLeft(): void {
  const running = process.getActiveResourcesInfo().filter((resource) => !OUTPUT.has(resource));
  if (running.length > 0) return;
  process.stdout.write("", () => process.stderr.write("", () => process.exit()));
}
