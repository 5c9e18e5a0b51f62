/**
 * Deletes the recordings that are due (scheduled). Options: `execute` (default false: report only; the
 * template's schedule passes true) and `asOf` (default now).
 */
import { purgeOld } from "@zrec/core/archive";
import { backendsRuntime } from "../backends-runtime.js";
import { taskHandler } from "../handler.js";
import { booleanOption, dateOption, optionsOf } from "../input.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const opened = backendsRuntime(env, options);
  const now = options.now ?? (() => new Date());
  return taskHandler("purge-old", async (input: unknown, invocation) => {
    const given = optionsOf(input, "purge-old");
    const execute = booleanOption(given, "execute", false);
    const asOf = dateOption(given, "asOf", now());
    const report = await purgeOld(await opened(), { asOf, execute });
    for (const candidate of report.candidates.filter((c) => c.error !== undefined)) {
      invocation.log("error", `purging ${candidate.recording_id} failed: ${candidate.error}`);
    }
    return report;
  });
}

export const handler = createHandler();
