/**
 * One Lambda handler's cold start in a fresh process, without AWS: the time to import the bundle, then
 * its first call with a trivial event. The webhook answers a signed `endpoint.url_validation` (secret
 * from the environment); start-ingest is handed an event it refuses before Step Functions is called;
 * every other handler loads and checks the configuration, whose default (a folder and SQLite) a Lambda
 * refuses before any backend is opened. Arguments: the handler file, its name.
 */
import { importHandler, webhookRequest } from "./lambda-handler.mjs";

const [file, name] = process.argv.slice(2);
const secret = "bench-webhook-secret-token";
Object.assign(process.env, { ZOOM_WEBHOOK_SECRET_TOKEN: secret, AWS_REGION: "us-east-1" });

function urlValidation() {
  const body = JSON.stringify({
    event: "endpoint.url_validation",
    event_ts: Date.now(),
    payload: { plainToken: "bench" },
  });
  return webhookRequest(body, secret);
}

const context = { awsRequestId: "bench", getRemainingTimeInMillis: () => 60_000 };
const { handler, importMs, restore } = await importHandler(file);
const t1 = performance.now();
let outcome;
try {
  const answer = await handler(name === "webhook" ? urlValidation() : {}, context);
  outcome = `answered ${answer?.statusCode ?? "ok"}`;
} catch (error) {
  outcome = `refused (${String(error?.message ?? error).split(":")[0]})`;
}
const t2 = performance.now();
restore();
process.send(
  {
    ok: true,
    result: {
      importMs,
      firstCallMs: t2 - t1,
      outcome,
      maxRssKiB: process.resourceUsage().maxRSS,
    },
  },
  () => process.exit(0),
);
