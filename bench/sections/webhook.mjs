/** 5. Webhook: verifications per second on a 10 KiB event (and, once built, the Lambda cold start). */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runWorker } from "../lib/child.mjs";
import { fixed, median, table } from "../lib/format.mjs";

const WORKER = new URL("../lib/webhook-worker.mjs", import.meta.url);
const COLD = new URL("../lib/cold-start-worker.mjs", import.meta.url);
const HANDLER = fileURLToPath(
  new URL("../../packages/lambda-adapter/dist/handlers/webhook.mjs", import.meta.url),
);

export async function webhook(ctx) {
  ctx.log("webhook: verifications per second");
  const result = await runWorker(WORKER, [String(ctx.full ? 5 : 1)]);
  const rows = [
    [
      "verifyWebhook (signature + timestamp)",
      fixed(result.verify.perSecond, 0),
      fixed(result.verify.microseconds, 1),
    ],
    [
      "handleWebhook (verify + JSON parse + event check)",
      fixed(result.handle.perSecond, 0),
      fixed(result.handle.microseconds, 1),
    ],
  ];
  const sections = [
    {
      heading: `verification of a signed ${result.bodyBytes}-byte recording.completed body`,
      note: "one process, one core, after a warm-up",
      table: table(["function", "per second", "µs each"], rows),
    },
  ];
  if (existsSync(HANDLER) && existsSync(fileURLToPath(COLD))) {
    ctx.log("webhook: Lambda cold start");
    const runs = [];
    for (let i = 0; i < (ctx.full ? 10 : 5); i++) runs.push(await runWorker(COLD, [HANDLER]));
    const pick = (k) => median(runs.map((r) => r[k]));
    sections.push({
      heading: "Lambda webhook handler cold start: packages/lambda-adapter/dist/handlers/webhook.mjs",
      note:
        `median of ${runs.length} fresh local Node processes (not Lambda's own init, whose CPU share is ` +
        "smaller); first call: a signed recording.completed, config, filters, the download token put " +
        "in S3 and StartExecution, both answered by a stub on 127.0.0.1, so the S3 and Step Functions " +
        `clients are loaded (${runs[0].note})`,
      table: table(
        ["step", "ms"],
        [
          ["import the bundle", fixed(pick("importMs"), 1)],
          ["first call", fixed(pick("firstCallMs"), 1)],
          ["**cold start: import + first call**", fixed(pick("importMs") + pick("firstCallMs"), 1)],
          ["a warm call (next event)", fixed(pick("warmCallMs"), 1)],
          ["peak RSS of the process, MiB", fixed(pick("maxRssKiB") / 1024, 0)],
        ],
      ),
    });
  } else {
    sections.push({
      heading: "Lambda webhook handler cold start",
      note: "skipped: packages/lambda-adapter/dist/handlers/webhook.mjs was not built when this ran",
    });
  }
  return { sections, targets: [], data: result };
}
