/**
 * Zoom webhook requests: signature and freshness checks, the `endpoint.url_validation` answer, and the
 * shape check of recording events. Pure functions over headers and raw bytes, so the CLI's server, the
 * Lambda handler and tests share them.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { WebhookSecrets } from "../config/webhook-secrets.js";
import { ConfigError, InputError, WebhookRejected } from "../errors.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../json-depth.js";
import { isObject } from "../validation/is-object.js";
import { firstProblem, kindOf, plainSentence, quote } from "../validation/issues.js";
import { eventAccountId } from "./event-account.js";
import { RECORDING_EVENTS, recordingEventSchema } from "./event-schema.js";
import { canonicalMeetingUuid, recordingIdFromUuid } from "./ids.js";
import type { ZoomRecordingEvent } from "./types.js";

/** Zoom's own limit: a request more than this far from now, either way, may be a replay. */
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface WebhookRequest {
  /** Header names in any case, as Node's `IncomingMessage.headers` or a Lambda event gives them. */
  headers: WebhookHeaders;
  /** The body exactly as received (a Lambda body base64-decoded first): the signature covers these bytes. */
  rawBody: string | Uint8Array;
  /**
   * One Secret Token, or the configured set (see `webhookSecrets`): a recording event must then be signed
   * with the token of the account it is from (`eventAccountId`), url_validation with any of them.
   */
  secret: string | WebhookSecrets;
  /** The current time (default: the clock), for tests. */
  now?: Date | number;
}

export type WebhookOutcome =
  | { kind: "url_validation"; status: 200; body: { plainToken: string; encryptedToken: string } }
  | { kind: "recording"; event: ZoomRecordingEvent }
  | { kind: "ignored"; event: string };

/**
 * The headers Zoom would send with `rawBody`: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
 * For tests, zoom-sim and documentation.
 *
 * @example
 * const headers = signWebhook(body, secret, Math.floor(Date.now() / 1000));
 * await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
export function signWebhook(
  rawBody: string | Uint8Array,
  secret: string,
  timestamp: number | string,
): { "x-zm-signature": string; "x-zm-request-timestamp": string } {
  const stamp = String(timestamp);
  return { "x-zm-signature": signatureFor(rawBody, secret, stamp), "x-zm-request-timestamp": stamp };
}

/**
 * Checks that a request comes from Zoom: both headers present, the timestamp within 5 minutes of now,
 * and the signature right (compared in constant time). Messages say what is wrong and never contain the
 * signature zrec computed or the secret.
 *
 * @throws WebhookRejected (401) when the request must be refused; ConfigError when no secret is set.
 * @example
 * verifyWebhook({ headers: req.headers, rawBody, secret: config.zoom.webhookSecretToken });
 */
export function verifyWebhook(request: WebhookRequest): void {
  signingSecrets(request);
}

/**
 * Checks the headers and freshness, then the signature against every candidate token (each compared in
 * constant time, and all of them, so the time taken says nothing about which matched). Returns the
 * tokens that match.
 */
function signingSecrets({ headers, rawBody, secret, now }: WebhookRequest): string[] {
  const candidates = typeof secret === "string" ? (secret === "" ? [] : [secret]) : secret.all;
  if (candidates.length === 0) {
    throw new ConfigError(
      "zoom.webhookSecretToken",
      "zoom.webhookSecretToken is empty, so webhooks cannot be verified.",
      {
        suggestion:
          "Set ZOOM_WEBHOOK_SECRET_TOKEN (or zoom.webhookSecretToken, or zoom.accounts.NAME.webhookSecretToken) to the Secret Token of your Zoom app.",
      },
    );
  }
  const signature = headerValue(headers, "x-zm-signature");
  if (signature === undefined)
    throw new WebhookRejected(401, "The webhook request has no x-zm-signature header.");
  const timestamp = headerValue(headers, "x-zm-request-timestamp");
  if (timestamp === undefined) {
    throw new WebhookRejected(401, "The webhook request has no x-zm-request-timestamp header.");
  }
  if (!/^\d{1,16}$/.test(timestamp)) {
    throw new WebhookRejected(
      401,
      "The webhook request's x-zm-request-timestamp is not a number of seconds.",
    );
  }
  const sent = Number(timestamp);
  const sentSeconds = sent > 1e12 ? sent / 1000 : sent;
  const nowMs = now === undefined ? Date.now() : typeof now === "number" ? now : now.getTime();
  const skew = Math.abs(nowMs / 1000 - sentSeconds);
  if (skew > MAX_CLOCK_SKEW_SECONDS) {
    throw new WebhookRejected(
      401,
      `The webhook request's timestamp is ${Math.round(skew)} seconds from now, more than the 5 minutes allowed.`,
      { suggestion: "Check this machine's clock; Zoom signs each delivery with the time it was sent." },
    );
  }
  const received = Buffer.from(signature, "utf8");
  const matching = candidates.filter((candidate) => {
    const expected = Buffer.from(signatureFor(rawBody, candidate, timestamp), "utf8");
    return received.length === expected.length && timingSafeEqual(received, expected);
  });
  if (matching.length === 0) {
    throw new WebhookRejected(401, "The webhook request's x-zm-signature does not match its body.", {
      suggestion:
        "Check that the webhook secret token configured for this account is the Secret Token of the Zoom app sending these events.",
    });
  }
  return matching;
}

/**
 * Everything the receiving endpoint decides about one request: verify it, then answer Zoom's URL
 * validation, hand over a recording event, or ignore any other event.
 *
 * @throws WebhookRejected: 401 for a request that is not Zoom's, 400 for a signed body that is not a
 *   usable event (Zoom does not retry a 4xx); ConfigError when no secret is set.
 * @example
 * const outcome = handleWebhook({ headers, rawBody, secret });
 * if (outcome.kind === "url_validation") return json(outcome.status, outcome.body);
 * if (outcome.kind === "recording") await startIngest(outcome.event);
 */
export function handleWebhook(request: WebhookRequest): WebhookOutcome {
  const matching = signingSecrets(request);
  const body = parseBody(request.rawBody);
  const event = body.event;
  if (typeof event !== "string") throw new WebhookRejected(400, 'The webhook body has no "event" name.');
  if (event === "endpoint.url_validation") {
    const payload = body.payload;
    const plainToken = isObject(payload) ? payload.plainToken : undefined;
    if (typeof plainToken !== "string" || plainToken === "") {
      throw new WebhookRejected(
        400,
        'The endpoint.url_validation request has no "payload.plainToken" string.',
      );
    }
    // url_validation names no account: answer with the token of the app that signed it.
    const encryptedToken = createHmac("sha256", matching[0] as string)
      .update(plainToken, "utf8")
      .digest("hex");
    return { kind: "url_validation", status: 200, body: { plainToken, encryptedToken } };
  }
  if (!isRecordingEvent(event)) return { kind: "ignored", event };
  if (typeof request.secret !== "string") {
    // The account the ingest will use (eventAccountId) is the one whose secret must have signed it.
    const accountId = eventAccountId(body.payload);
    const required = request.secret.forAccount(accountId);
    if (required === undefined || !matching.includes(required)) {
      const named =
        typeof accountId === "string" ? `Zoom account ${quote(accountId)}` : "the account it names";
      throw new WebhookRejected(401, `The webhook request is not signed with the secret token of ${named}.`, {
        suggestion:
          "Set zoom.accounts.NAME.webhookSecretToken to the Secret Token of that account's Zoom app (and its accountId to the account's id).",
      });
    }
  }
  try {
    return { kind: "recording", event: parseRecordingEvent(body, "the webhook") };
  } catch (error) {
    if (error instanceof InputError) throw new WebhookRejected(400, error.message, { cause: error });
    throw error;
  }
}

/**
 * Far above any real meeting (a few files per pause and resume, plus transcripts and chat), and low
 * enough that planning, storing and logging one event stays quick: a signed event with 30,000 files
 * blocked `zrec serve` for minutes.
 */
const MAX_RECORDING_FILES = 1_000;

/**
 * Checks that `value` is a recording event zrec can ingest (`recording.completed` or
 * `recording.transcript_completed` with a meeting uuid, id, topic and a list of files) and returns it
 * typed, its meeting uuid in canonical spelling. Used for webhooks and for event files given to
 * `zrec ingest`. Fields zrec does not read are kept.
 *
 * @param source Names the input in the error: a file name, or "the webhook".
 * @throws InputError with one sentence naming the source and the field at fault, never a value of it
 *   (the event name and the meeting uuid aside: neither is a secret, and each is the news).
 * @example
 * const event = parseRecordingEvent(JSON.parse(text), "webhook.json");
 */
export function parseRecordingEvent(value: unknown, source = "the webhook"): ZoomRecordingEvent {
  const name = source.startsWith("the ") ? `The ${source.slice(4)}` : source;
  const fail = (problem: string): never => {
    throw new InputError(`${name} is not a recording event: ${problem}.`);
  };
  if (!isObject(value)) return fail(`it is ${kindOf(value)}, not a JSON object`);
  // The event is stored as recording.json: JSON.stringify would overflow the stack on deep nesting.
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) fail(`it is nested more than ${MAX_JSON_DEPTH} levels deep`);
  // Another event is not a broken recording event: the name alone is the news.
  if (!isRecordingEvent(value.event)) {
    fail(`"event" is ${typeof value.event === "string" ? quote(value.event) : kindOf(value.event)}`);
  }
  // Before the schema looks at each file: thousands cost time, and a problem each.
  const files = fileCount(value);
  if (files > MAX_RECORDING_FILES) {
    fail(
      `"payload.object.recording_files" has ${files} files; zrec takes at most ${MAX_RECORDING_FILES} per recording`,
    );
  }
  const result = recordingEventSchema.safeParse(value);
  if (!result.success) {
    const first = firstProblem(result.error.issues, value);
    return fail(first === undefined ? "it is not valid" : plainSentence(first.problem));
  }
  const { payload } = result.data;
  const { uuid } = payload.object;
  try {
    recordingIdFromUuid(uuid);
  } catch {
    fail(`"payload.object.uuid" ${quote(uuid)} is not base64 of 16 bytes`);
  }
  // The input's fields in its order, not zod's copy: the event is stored as recording.json as it came.
  // One spelling per meeting: `-`/`_` or unpadded copies of a uuid would name the same recording id.
  const object = { ...(value.payload as typeof payload).object, uuid: canonicalMeetingUuid(uuid) };
  return { ...value, payload: { ...(value.payload as typeof payload), object } } as ZoomRecordingEvent;
}

function isRecordingEvent(name: unknown): name is (typeof RECORDING_EVENTS)[number] {
  return (RECORDING_EVENTS as readonly unknown[]).includes(name);
}

/** How many files the event lists, if it has a list of them where one belongs. */
function fileCount(event: Record<string, unknown>): number {
  const object = isObject(event.payload) ? event.payload.object : undefined;
  const files = isObject(object) ? object.recording_files : undefined;
  return Array.isArray(files) ? files.length : 0;
}

function signatureFor(rawBody: string | Uint8Array, secret: string, timestamp: string): string {
  const hmac = createHmac("sha256", secret).update(`v0:${timestamp}:`, "utf8");
  if (typeof rawBody === "string") hmac.update(rawBody, "utf8");
  else hmac.update(rawBody);
  return `v0=${hmac.digest("hex")}`;
}

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string" && first.trim() !== "") return first.trim();
  }
  return undefined;
}

function parseBody(rawBody: string | Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    const text =
      typeof rawBody === "string" ? rawBody : new TextDecoder("utf-8", { fatal: true }).decode(rawBody);
    parsed = JSON.parse(text);
  } catch (error) {
    throw new WebhookRejected(400, "The webhook body is not JSON.", { cause: error });
  }
  if (!isObject(parsed)) throw new WebhookRejected(400, "The webhook body is not a JSON object.");
  return parsed;
}
