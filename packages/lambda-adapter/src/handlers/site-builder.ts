/**
 * The website builder of the older design, on the notification queue: each batch of `ingested`,
 * `reindexed` or `deleted` messages runs one incremental build of the site in the bucket. The build
 * compares the index with the site's manifest, so it honours every message (purges and reindexes
 * included) without reading them, and a message delivered twice costs nothing. A failed build fails
 * the batch: SQS delivers it again, and after five tries moves it to the dead-letter queue.
 */
import { buildSite, storeSiteOutput } from "@zrec/core";
import type { SQSEvent } from "aws-lambda";
import { taskHandler } from "../handler.js";
import { pipelineRuntime } from "../pipeline-runtime.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("site-builder", async (event: SQSEvent | undefined, invocation) => {
    const deps = await pipeline(invocation);
    const { store, index } = deps.backends;
    const events = (event?.Records ?? []).map(
      (record) => record.messageAttributes?.event?.stringValue ?? "?",
    );
    const report = await buildSite({
      config: deps.config,
      store,
      index,
      output: storeSiteOutput(store),
      mediaBase: "../",
    });
    invocation.log("info", "site built", {
      messages: events.length,
      events,
      published: report.published,
      built: report.built.length,
      withdrawn: report.withdrawn.length,
      written: report.written,
      full: report.full,
    });
    for (const { recording_id, reason } of report.skipped)
      invocation.log("warn", "recording left off the site", { recording_id, reason });
    return { published: report.published, built: report.built.length, withdrawn: report.withdrawn.length };
  });
}

export const handler = createHandler();
