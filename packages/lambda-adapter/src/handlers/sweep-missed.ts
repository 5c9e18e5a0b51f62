/**
 * Finds recordings Zoom holds and the archive lacks, and starts an ingest execution for each
 * (scheduled). Options: `accounts`, `from`, `to` (default: the 30 UTC days before today; today's
 * recordings are left to their webhooks, whose executions may still run) and `dryRun`.
 */
import { defaultSweepFrom } from "@zrec/core";
import { executionStarter } from "../execution.js";
import { taskHandler } from "../handler.js";
import { booleanOption, dateOption, optionsOf, stringListOption } from "../input.js";
import { pipelineRuntime } from "../pipeline-runtime.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";
import { sweepToExecutions } from "../sweep.js";

const DAY_MS = 86_400_000;

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  const start = executionStarter(env, options.sfn ? { client: options.sfn } : {});
  const clock = options.now ?? (() => new Date());
  return taskHandler("sweep-missed", async (input: unknown, invocation) => {
    const now = clock();
    const given = optionsOf(input, "sweep-missed");
    const to = dateOption(given, "to", new Date(now.getTime() - DAY_MS));
    const report = await sweepToExecutions(await pipeline(invocation), start, {
      accounts: stringListOption(given, "accounts"),
      from: dateOption(given, "from", defaultSweepFrom(to)),
      to,
      dryRun: booleanOption(given, "dryRun", false),
      now,
    });
    for (const failure of report.failures) invocation.log("error", `${failure.uuid}: ${failure.error}`);
    return report;
  });
}

export const handler = createHandler();
