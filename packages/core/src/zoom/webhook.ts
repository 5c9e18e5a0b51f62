/**
 * Zoom webhook requests: signature and freshness checks, the `endpoint.url_validation` answer, and the
 * shape check of recording events. Pure functions over headers and raw bytes, so the CLI's server, the
 * Lambda handler and tests share them.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { WebhookSecrets } from "../config/webhook-secrets.js";
import { ConfigError, InputError, WebhookRejected } from "../errors.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../json-depth.js";
import { canonicalMeetingUuid, recordingIdFromUuid } from "./ids.js";
import type { RecordingEventName, ZoomRecordingEvent } from "./types.js";

/** Zoom's own limit: a request more than this far from now, either way, may be a replay. */
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
const RECORDING_EVENTS: readonly string[] = ["recording.completed", "recording.transcript_completed"];

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface WebhookRequest {
  /** Header names in any case, as Node's `IncomingMessage.headers` or a Lambda event gives them. */
  headers: WebhookHeaders;
  /** The body exactly as received (a Lambda body base64-decoded first): the signature covers these bytes. */
  rawBody: string | Uint8Array;
  /**
   * One Secret Token, or the configured set (see `webhookSecrets`): a recording event must then be signed
   * with the token of the account its `payload.account_id` names, url_validation with any of them.
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
  if (!RECORDING_EVENTS.includes(event)) return { kind: "ignored", event };
  if (typeof request.secret !== "string") {
    const accountId = isObject(body.payload) ? body.payload.account_id : undefined;
    const required = request.secret.forAccount(typeof accountId === "string" ? accountId : undefined);
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
 * Checks that `value` is a recording event zrec can ingest (`recording.completed` or
 * `recording.transcript_completed` with a meeting uuid, id, topic and a list of files) and returns it
 * typed. Used for webhooks and for event files given to `zrec ingest`.
 *
 * @param source Names the input in the error: a file name, or "the webhook".
 * @throws InputError with one sentence naming the source and the field at fault.
 * @example
 * const event = parseRecordingEvent(JSON.parse(text), "webhook.json");
 */
/**
 * Far above any real meeting (a few files per pause and resume, plus transcripts and chat), and low
 * enough that planning, storing and logging one event stays quick: a signed event with 30,000 files
 * blocked `zrec serve` for minutes.
 */
const MAX_RECORDING_FILES = 1_000;

export function parseRecordingEvent(value: unknown, source = "the webhook"): ZoomRecordingEvent {
  const name = source.startsWith("the ") ? `The ${source.slice(4)}` : source;
  const fail = (problem: string): never => {
    throw new InputError(`${name} is not a recording event: ${problem}.`);
  };
  if (!isObject(value)) return fail(`it is ${kindOf(value)}, not a JSON object`);
  // The event is stored as recording.json: JSON.stringify would overflow the stack on deep nesting.
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) fail(`it is nested more than ${MAX_JSON_DEPTH} levels deep`);
  if (value.event === undefined) fail('"event" is missing');
  if (typeof value.event !== "string" || !RECORDING_EVENTS.includes(value.event)) {
    fail(`"event" is ${typeof value.event === "string" ? quote(value.event) : kindOf(value.event)}`);
  }
  const event = value.event as RecordingEventName;
  optional(value, "event_ts", "number", "", fail);
  optional(value, "download_token", "string", "", fail);
  if (!isObject(value.payload)) return fail(`"payload" is ${kindOf(value.payload)}, not an object`);
  optional(value.payload, "account_id", "string", "payload.", fail);
  const object = value.payload.object;
  if (!isObject(object)) return fail(`"payload.object" is ${kindOf(object)}, not an object`);
  required(object, "uuid", "string", "payload.object.", fail);
  required(object, "id", "number", "payload.object.", fail);
  required(object, "topic", "string", "payload.object.", fail);
  for (const field of ["account_id", "host_id", "start_time", "timezone", "password"]) {
    optional(object, field, "string", "payload.object.", fail);
  }
  optional(object, "duration", "number", "payload.object.", fail);
  optional(object, "type", "number", "payload.object.", fail);
  try {
    recordingIdFromUuid(object.uuid as string);
  } catch {
    fail(`"payload.object.uuid" ${quote(object.uuid as string)} is not base64 of 16 bytes`);
  }
  const files = object.recording_files;
  if (!Array.isArray(files)) return fail(`"payload.object.recording_files" is ${kindOf(files)}, not a list`);
  if (files.length > MAX_RECORDING_FILES) {
    fail(
      `"payload.object.recording_files" has ${files.length} files; zrec takes at most ${MAX_RECORDING_FILES} per recording`,
    );
  }
  for (const [index, file] of files.entries()) {
    const prefix = `payload.object.recording_files[${index}]`;
    if (!isObject(file)) fail(`"${prefix}" is ${kindOf(file)}, not an object`);
    for (const field of FILE_STRING_FIELDS) optional(file, field, "string", `${prefix}.`, fail);
    optional(file, "file_size", "number", `${prefix}.`, fail);
  }
  // One spelling per meeting: `-`/`_` or unpadded copies of a uuid would name the same recording id.
  const uuid = canonicalMeetingUuid(object.uuid as string);
  return {
    ...value,
    event,
    payload: { ...value.payload, object: { ...object, uuid } },
  } as ZoomRecordingEvent;
}

/** Fields of a recording file that zrec reads; each must be a string when present. */
const FILE_STRING_FIELDS = [
  "id",
  "meeting_id",
  "recording_start",
  "recording_end",
  "file_type",
  "file_extension",
  "play_url",
  "download_url",
  "status",
  "recording_type",
];

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

type Fail = (problem: string) => never;

function required(
  record: Record<string, unknown>,
  field: string,
  type: string,
  at: string,
  fail: Fail,
): void {
  const value = record[field];
  if (value === undefined) fail(`"${at}${field}" is missing`);
  if (typeof value !== type || (typeof value === "number" && !Number.isFinite(value))) {
    fail(`"${at}${field}" is ${kindOf(value)}, not a ${type}`);
  }
}

function optional(
  record: Record<string, unknown>,
  field: string,
  type: string,
  at: string,
  fail: Fail,
): void {
  if (record[field] !== undefined) required(record, field, type, at, fail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The kind of a value, never the value: it may be a token. */
function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
