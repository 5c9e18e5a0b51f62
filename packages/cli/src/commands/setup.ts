/** `zrec setup`: create what the configured backends need (bucket, table, queue, folders). */
import type { SetupStep } from "@zrec/core";
import { Command } from "commander";
import { withGlobals } from "../options.js";
import { printJson } from "../ui/output.js";

export function setupCommand(): Command {
  return new Command("setup")
    .addHelpText(
      "after",
      "\nWhat exists is left as it is, so running it again changes nothing. One line per resource:\n" +
        "created, exists, or skipped (with why). Exit 1 when something could not be created.",
    )
    .action(
      withGlobals(async ({ options, out }) => {
        const [core, { resolveFor }] = await Promise.all([import("@zrec/core"), import("../session.js")]);
        const { config, source } = await resolveFor(options);
        out.line(`Setting up the backends of ${source ?? "the embedded default (no config file)"}`);

        // Each line as its step ends: when a later step fails, the earlier ones have still been reported.
        const steps = await core.setupBackends(config, { onStep: (step) => out.line(describe(step)) });
        if (out.json) printJson(steps);
      }),
    );
}

/** Outcome first, at a fixed width, so the lines align while they are printed one by one. */
function describe(step: SetupStep): string {
  const detail = step.detail === undefined ? "" : ` (${step.detail})`;
  return `${step.outcome.padEnd(9)}${step.backend.padEnd(9)}${step.resource}${detail}`;
}
