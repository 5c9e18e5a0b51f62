/**
 * Webhook verification speed, in its own process: core's `verifyWebhook` (HMAC-SHA256 over
 * `v0:{timestamp}:{body}`, constant-time compare) and `handleWebhook` (verify, parse, shape check) on a
 * signed recording.completed body of 10 KiB. Argument: seconds to spend on each.
 */
import { handleWebhook, signWebhook, verifyWebhook } from "@zrec/core/webhook";

const seconds = Number(process.argv[2] ?? 2);
const secret = "bench-webhook-secret-token";
const BODY_BYTES = 10 * 1024;

/** A recording.completed event with as many files as fit, padded to exactly BODY_BYTES. */
function eventBody() {
  const event = {
    event: "recording.completed",
    event_ts: Date.now(),
    payload: {
      account_id: "AAAAAAAAAAAAAAAAAAAAAA",
      object: {
        uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
        id: 7816381929,
        account_id: "AAAAAAAAAAAAAAAAAAAAAA",
        host_id: "OU54QJ6tRoGM55Rlt8YiQg",
        topic: "OLF Tech Coordinator's Personal Meeting Room",
        type: 4,
        start_time: "2022-01-23T15:31:56Z",
        timezone: "America/New_York",
        duration: 62,
        total_size: 1073741824,
        recording_count: 0,
        share_url: "https://zoom.us/rec/share/abcdefghijklmnopqrstuvwxyz0123456789",
        recording_files: [],
      },
    },
    download_token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.".padEnd(400, "x"),
  };
  const files = event.payload.object.recording_files;
  for (let i = 0; JSON.stringify(event).length < BODY_BYTES - 600; i++) {
    files.push({
      id: `f${String(i).padStart(35, "0")}`,
      meeting_id: "CnIDrQSsRdi9bWp3jyJsZQ==",
      recording_start: "2022-01-23T15:32:05Z",
      recording_end: "2022-01-23T16:34:05Z",
      file_type: "MP4",
      file_extension: "MP4",
      file_size: 104857600 + i,
      play_url: `https://zoom.us/rec/play/${"p".repeat(60)}${i}`,
      download_url: `https://zoom.us/rec/webhook_download/${"d".repeat(60)}/${i}`,
      status: "completed",
      recording_type: "shared_screen_with_speaker_view",
    });
  }
  event.payload.object.recording_count = files.length;
  const text = JSON.stringify(event);
  event.payload.object.share_url += "0".repeat(BODY_BYTES - Buffer.byteLength(text));
  return JSON.stringify(event);
}

function rate(fn) {
  // Warm up, then count calls in batches until the time is spent.
  for (let i = 0; i < 2000; i++) fn();
  let calls = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 500; i++) fn();
    calls += 500;
  }
  const ms = performance.now() - started;
  return { perSecond: calls / (ms / 1000), microseconds: (ms * 1000) / calls };
}

const rawBody = eventBody();
const headers = signWebhook(rawBody, secret, Math.floor(Date.now() / 1000));
const verify = rate(() => verifyWebhook({ headers, rawBody, secret }));
const handle = rate(() => handleWebhook({ headers, rawBody, secret }));
process.send({ ok: true, result: { bodyBytes: Buffer.byteLength(rawBody), verify, handle } }, () =>
  process.exit(0),
);
