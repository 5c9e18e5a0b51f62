#!/usr/bin/env node
/**
 * The `zrec` binary. The only file that decides the exit code: commands throw, handleError reports.
 * The code is set, not exited with, so output still being written reaches the terminal or the pipe.
 */
import type { Command } from "commander";
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

/**
 * A run whose event loop empties before main() ends left a promise nothing settles: a bug, never a
 * success. With top-level await Node said so itself (exit 13); the bundle is CommonJS (launcher.ts
 * says why), which has none, so main.ts sets the same code until main() is done.
 */
const UNSETTLED = 13;
let finished = false;
process.exitCode = UNSETTLED;
process.on("exit", () => {
  if (!finished && process.exitCode === UNSETTLED) {
    process.stderr.write(
      "zrec: the command stopped before it finished (a promise nothing settled): a bug.\n",
    );
  }
});
void main();

async function main(): Promise<void> {
  const program = await buildProgram(process.argv.slice(2));
  // The launcher keeps a compile cache per command it has seen run (launcher.ts).
  program.hook("preAction", (_program, action) => {
    const names: string[] = [];
    for (let command: Command | null = action; command?.parent; command = command.parent) {
      names.unshift(command.name());
    }
    (globalThis as { __zrecCommand?: string }).__zrecCommand = names.join(" ");
  });
  try {
    await program.parseAsync(process.argv);
    if (process.exitCode === UNSETTLED) process.exitCode = undefined;
  } catch (error) {
    const parsed = program.opts<{ verbose?: boolean; json?: boolean }>();
    // A usage error can stop commander before it has read --json or --verbose; the raw words still tell.
    const args = process.argv.slice(2);
    process.exitCode = handleError(error, {
      verbose: parsed.verbose === true || args.includes("--verbose"),
      json: parsed.json === true || args.includes("--json"),
    });
  }
  finished = true;
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
