/** Webhook bodies as Zoom sends them, and their signatures. */
import { createHmac } from "node:crypto";
import type { DownloadTokens } from "./oauth.js";
import type { SimState } from "./state.js";
import type { RecordingEventOptions, SignedWebhook, SimMeeting } from "./types.js";

const DAY_SECONDS = 24 * 3600;

export class EventBuilder {
  /** One default download token per meeting, so a test that builds the event twice sees the same token. */
  readonly #defaultTokens = new Map<string, { token: string; exp: number }>();

  constructor(
    private readonly state: SimState,
    private readonly downloadTokens: DownloadTokens,
  ) {}

  /** A recording.completed (or transcript_completed) body shaped like the fixture from real Zoom. */
  recordingEvent(meeting: SimMeeting, options: RecordingEventOptions = {}): Record<string, unknown> {
    const event = options.event ?? "recording.completed";
    // Zoom announces transcripts on their own, once they are ready; the first event carries the rest.
    const files =
      event === "recording.transcript_completed"
        ? meeting.files.filter((file) => file.fileType === "TRANSCRIPT")
        : meeting.files;
    const body: Record<string, unknown> = {
      payload: {
        account_id: meeting.accountId,
        object: this.state.recordingJson(meeting, { forWebhook: true, files }),
      },
      event_ts: Date.now(),
      event,
    };
    if (options.withDownloadToken ?? true)
      body.download_token = this.#downloadToken(meeting, options.downloadTokenExpiresAt);
    return body;
  }

  #downloadToken(meeting: SimMeeting, expiresAt: Date | undefined): string {
    const claims = { accountId: meeting.accountId, mid: meeting.uuid, userId: meeting.hostId };
    if (expiresAt)
      return this.downloadTokens.mint({ ...claims, exp: Math.floor(expiresAt.getTime() / 1000) });
    const now = Math.floor(Date.now() / 1000);
    const cached = this.#defaultTokens.get(meeting.uuid);
    // Reuse while most of the day is left; a token near its end would surprise a test expecting a fresh one.
    if (cached && cached.exp - now > DAY_SECONDS - 3600) return cached.token;
    const exp = now + DAY_SECONDS;
    const token = this.downloadTokens.mint({ ...claims, exp });
    this.#defaultTokens.set(meeting.uuid, { token, exp });
    return token;
  }
}

/** The `endpoint.url_validation` body Zoom posts when an endpoint is registered or revalidated. */
export function urlValidationEvent(plainToken: string): Record<string, unknown> {
  return { payload: { plainToken }, event_ts: Date.now(), event: "endpoint.url_validation" };
}

/**
 * Headers and raw body as Zoom delivers a webhook: x-zm-signature = v0=hex(HMAC-SHA256(secret,
 * "v0:{timestamp}:{body}")), timestamp in epoch seconds.
 */
export function signWebhook(
  secret: string,
  body: object,
  timestamp = Math.floor(Date.now() / 1000),
): SignedWebhook {
  const rawBody = JSON.stringify(body);
  const signature = createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex");
  return {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Zoom Marketplace/1.0a",
      "x-zm-request-timestamp": String(timestamp),
      "x-zm-signature": `v0=${signature}`,
    },
    rawBody,
  };
}

/** Zoom's answer to url_validation: hex(HMAC-SHA256(secret, plainToken)). */
export function encryptedToken(secret: string, plainToken: string): string {
  return createHmac("sha256", secret).update(plainToken).digest("hex");
}
