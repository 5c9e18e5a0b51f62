/** The public shapes of zoom-sim. A leaf module: it imports nothing of the project. */

/** A Server-to-Server OAuth app: the credentials zrec is configured with. */
export interface SimAccount {
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** The Secret Token this account's app signs its webhooks with. Default: the sim's `webhookSecretToken`. */
  webhookSecretToken?: string;
  /**
   * The scopes its tokens grant. Default `DEFAULT_SCOPES` (everything zrec uses). Without
   * `ACCOUNT_RECORDINGS_SCOPE`, GET /accounts/me/recordings answers 400 with Zoom's code 4711.
   */
  scopes?: string[];
  /** API requests (/v2) answered per UTC day; past it, 429 with `x-ratelimit-type: Daily-limit`. Default unlimited. */
  dailyRequestLimit?: number;
}

export interface ZoomSimOptions {
  /** Default: one account `{ accountId: "sim-account", clientId: "sim-client", clientSecret: "sim-secret" }`. */
  accounts?: SimAccount[];
  /** The secret webhooks are signed with. Default `"sim-webhook-secret-token"`. */
  webhookSecretToken?: string;
  /** Lifetime of an issued OAuth access token. Default 3600. */
  tokenTtlSeconds?: number;
  /** Per-connection cap on CDN bodies. Default undefined: uncapped. */
  bandwidthBytesPerSecond?: number;
  /** Port of the API, OAuth and download server on 127.0.0.1. Default 0: any free port. */
  port?: number;
  /** Port of the CDN server on 127.0.0.1. Default 0: any free port. */
  cdnPort?: number;
}

export interface SimUserSpec {
  id: string;
  /** Default `{id}@example.org`. */
  email?: string;
  /** Default: the first account. */
  accountId?: string;
  /** Default `"active"`. */
  status?: "active" | "inactive" | "pending";
}

export interface SimUser {
  id: string;
  email: string;
  accountId: string;
  status: "active" | "inactive" | "pending";
  /** Zoom's user type: 2 = licensed. */
  type: number;
}

export interface SimFileSpec {
  fileType: "MP4" | "M4A" | "TIMELINE" | "TRANSCRIPT" | "CC" | "CHAT" | "CSV" | "SUMMARY" | (string & {});
  /** Bytes. Content is generated, so multi-GiB files cost no memory. */
  size: number;
  /** Default derived from fileType (MP4 -> shared_screen_with_speaker_view, M4A -> audio_only, …). */
  recordingType?: string;
  /** Default: the meeting's start plus 9 seconds. */
  recordingStart?: string;
  /** Default: the meeting's end. */
  recordingEnd?: string;
  /** Default `"completed"`. */
  status?: string;
  /** Default true for CC and TIMELINE, as real Zoom: no id, status, file_size, recording_type in the JSON. */
  zoomOmitsIdAndSize?: boolean;
  /** Default a random UUID. The sim always knows the id, even when the JSON omits it. */
  id?: string;
}

export interface SimMeetingSpec {
  /** Default: Zoom's base64 of 16 random bytes. May start with "/" or contain "//". */
  uuid?: string;
  /** The meeting number. Default random, 10 or 11 digits. Instances of one meeting share it. */
  id?: number;
  topic: string;
  /** Default: the first user, else "sim-host". An unknown host is added as a user. */
  hostId?: string;
  /** ISO instant. */
  startTime: string;
  durationMinutes: number;
  /** Absent by default: Zoom then omits the field. */
  password?: string;
  /** Default: the host's account. */
  accountId?: string;
  files: SimFileSpec[];
  /**
   * Zoom's meeting type. Default 2 (scheduled). 5, 6 or 9 make it a webinar: its metadata is then at
   * /past_webinars/{uuid} and /webinars/{id}, and the meeting routes answer 404 for it, as Zoom's do.
   */
  type?: number;
  /** Default "America/New_York". */
  timezone?: string;
  /** The parent meeting was deleted after it took place: GET /meetings/{id} answers 404 3001. */
  parentMeetingDeleted?: boolean;
  /** GET /past_meetings/{uuid} answers 404 3001. */
  pastMeetingMissing?: boolean;
}

export interface SimFile {
  /** The sim's id for the file, also when Zoom's JSON omits it (CC, TIMELINE). */
  id: string;
  fileType: string;
  fileExtension: string;
  size: number;
  recordingType: string;
  recordingStart: string;
  recordingEnd: string;
  status: string;
  zoomOmitsIdAndSize: boolean;
  /** As in GET /meetings/{uuid}/recordings. */
  downloadUrl: string;
}

export interface SimMeeting {
  /** The instance uuid. */
  uuid: string;
  id: number;
  /** The canonical UUID decoded from `uuid`, what zrec names the recording by. */
  recordingId: string;
  /** The parent meeting's uuid (GET /meetings/{id}), different from the instance uuid. */
  parentUuid: string;
  topic: string;
  hostId: string;
  hostEmail: string;
  accountId: string;
  type: number;
  timezone: string;
  startTime: string;
  endTime: string;
  durationMinutes: number;
  password?: string;
  parentMeetingDeleted: boolean;
  pastMeetingMissing: boolean;
  /**
   * Set by a test: GET /meetings/{uuid}/recordings answers 200 without `recording_files`, as a faulty
   * proxy or a changed API might (zrec must take that as "unknown", never as "nothing left").
   */
  listingWithoutFiles?: boolean;
  files: SimFile[];
  /** The recording object as GET /meetings/{uuid}/recordings answers it. */
  recording: Record<string, unknown>;
}

export type RecordingEventName = "recording.completed" | "recording.transcript_completed";

export interface RecordingEventOptions {
  /** Default "recording.completed"; "recording.transcript_completed" carries only TRANSCRIPT files. */
  event?: RecordingEventName;
  /** Default true. */
  withDownloadToken?: boolean;
  /** Default 24 hours from the first call for this meeting. */
  downloadTokenExpiresAt?: Date;
}

export type FaultTarget = "download" | "cdn" | "api" | "oauth";
export type FaultKind = "drop" | "status" | "stall" | "ignore-range" | "wrong-size" | "short-total";

export interface FaultRule {
  /** download: /rec/… on the API port; cdn: the CDN; api: /v2/…; oauth: /oauth/token. */
  target: FaultTarget;
  /** Only requests for this file (download and cdn). */
  fileId?: string | undefined;
  /** Only requests whose raw or decoded path contains this. */
  pathIncludes?: string;
  /** Only requests of this method (GET, DELETE …). */
  method?: string;
  /**
   * drop: send headers and `afterBytes` (default 0) of the body, then destroy the socket.
   * status: answer `status` (default 500) with Zoom's error body and an optional Retry-After.
   * stall: send headers and `afterBytes` (default 0), then nothing for `stallMs` (default 10 000), then the rest.
   * ignore-range: answer 200 with the whole body (ranged requests only).
   * wrong-size: send `bytes` (default 1) fewer body bytes than Content-Length, then close.
   * short-total: Content-Range's total differs by `bytes` (default -1) (ranged requests only).
   */
  kind: FaultKind;
  status?: number;
  retryAfter?: string;
  afterBytes?: number;
  stallMs?: number;
  bytes?: number;
  /** How many requests it hits. Default 1; Infinity = always. */
  times?: number;
  /** Only requests with a Range header. */
  onlyRanged?: boolean;
  /** Let this many matching requests through first. */
  skip?: number;
}

export type AuthorizationKind = "bearer-oauth" | "bearer-download-token" | "basic" | "other";

export interface RequestLogEntry {
  /** Epoch ms when the request arrived. */
  at: number;
  server: "api" | "cdn";
  method: string;
  /** Percent-decoded once. */
  path: string;
  /** As sent. */
  rawPath: string;
  /** Values of token-like parameters are replaced by "[redacted]". */
  query: Record<string, string>;
  hasAuthorization: boolean;
  authorizationKind?: AuthorizationKind;
  range?: string;
  /** 0 when no status line was sent. */
  status: number;
  /** Body bytes written. */
  bytesSent: number;
  /** Which fault hit this request, in words. */
  fault?: string;
  /** Anything else worth knowing: a clamped window, a refused Authorization header. */
  note?: string;
}

export interface TrashCall {
  uuid: string;
  action: string;
  /** What the sim answered: 204, or 404 when already gone. */
  status: number;
}

export interface SignedWebhook {
  headers: Record<string, string>;
  rawBody: string;
}
