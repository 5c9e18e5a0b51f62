/**
 * Lambda cold start in a fresh process: time to import the bundled webhook handler, then its first call
 * with a signed recording.completed event (API Gateway HTTP API payload 2.0, base64 body): config,
 * signature, filters, the download token written to the bucket and a StartExecution, both answered by
 * a stub on 127.0.0.1 (so the S3 and Step Functions clients are loaded). Then one warm call (a new
 * event). Argument: the handler file.
 */
import { createServer } from "node:http";
import { importHandler, webhookRequest } from "./lambda-handler.mjs";

const file = process.argv[2];
const secret = "bench-webhook-secret-token";

// Step Functions and S3 stand-in: every StartExecution and PutObject succeeds.
const sfn = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
    res.end(
      JSON.stringify({
        executionArn: "arn:aws:states:us-east-1:000000000000:execution:zrec:bench",
        startDate: 0,
      }),
    );
  });
});
await new Promise((resolve) => sfn.listen(0, "127.0.0.1", resolve));
Object.assign(process.env, {
  ZOOM_WEBHOOK_SECRET_TOKEN: secret,
  ZREC_STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:zrec",
  AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfn.address().port}`,
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${sfn.address().port}`,
  // The webhook keeps the event's download token in the bucket, which a Lambda's config must name.
  ZREC_CONFIG: JSON.stringify({ storage: { type: "s3", bucket: "bench", forcePathStyle: true } }),
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
});

function request(uuid) {
  const rawBody = JSON.stringify({
    event: "recording.completed",
    event_ts: Date.now(),
    payload: {
      account_id: "AAAAAAAAAAAAAAAAAAAAAA",
      object: {
        uuid,
        id: 7816381929,
        host_id: "OU54QJ6tRoGM55Rlt8YiQg",
        topic: "OLF Tech Coordinator's Personal Meeting Room",
        start_time: "2022-01-23T15:31:56Z",
        duration: 62,
        recording_files: [
          {
            id: "f1",
            file_type: "MP4",
            file_size: 104857600,
            download_url: "https://zoom.us/rec/webhook_download/abc/f1",
            status: "completed",
            recording_type: "shared_screen_with_speaker_view",
          },
        ],
      },
    },
    download_token: "token",
  });
  return webhookRequest(rawBody, secret);
}

const context = { awsRequestId: "bench", getRemainingTimeInMillis: () => 3000 };
const { handler, importMs, restore } = await importHandler(file);
const t1 = performance.now();
const first = await handler(request("CnIDrQSsRdi9bWp3jyJsZQ=="), context);
const t2 = performance.now();
const warm = await handler(request("DnIDrQSsRdi9bWp3jyJsZQ=="), context);
const t3 = performance.now();
restore();
sfn.close();
process.send(
  {
    ok: true,
    result: {
      importMs,
      firstCallMs: t2 - t1,
      warmCallMs: t3 - t2,
      note: `answers ${first?.statusCode} ${JSON.parse(first?.body ?? "{}").status ?? ""} / ${warm?.statusCode}`,
      maxRssKiB: process.resourceUsage().maxRSS,
    },
  },
  () => process.exit(0),
);
