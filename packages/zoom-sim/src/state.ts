/** What the sim's Zoom account holds: users, meeting instances with their recordings, and what was trashed. */
import { randomUUID } from "node:crypto";
import { canonicalUuid, derivedZoomUuid, randomMeetingNumber, randomZoomUuid, tokenishPath } from "./ids.js";
import { type BodyPlan, jsonPlan } from "./respond.js";
import type { SimAccount, SimFile, SimMeeting, SimMeetingSpec, SimUser, SimUserSpec } from "./types.js";
import { defaultRecordingType, fileExtensionOf, recordingJson, zoomError } from "./zoom-json.js";

const OMITTED_BY_ZOOM = new Set(["CC", "TIMELINE"]);

/** Zoom writes instants without milliseconds. */
function zoomInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function parseInstant(value: string, what: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`zoom-sim: ${what} is not an ISO instant: ${value}`);
  return date;
}

export class SimState {
  readonly users = new Map<string, SimUser>();
  readonly meetings = new Map<string, SimMeeting>();
  readonly files = new Map<string, { file: SimFile; meeting: SimMeeting }>();
  /** Meeting uuid -> the action that removed its recordings ("trash" or "delete"). */
  readonly gone = new Map<string, string>();

  constructor(
    readonly accounts: SimAccount[],
    readonly apiOrigin: string,
  ) {}

  /** API requests per account and UTC day, for `dailyRequestLimit`. */
  readonly #daily = new Map<string, number>();

  /**
   * Counts one /v2 request of `accountId`; past its `dailyRequestLimit`, Zoom's daily-limit 429 to send
   * instead, with a Retry-After naming the next 00:00 UTC.
   */
  countDailyRequest(accountId: string): BodyPlan | undefined {
    const limit = this.accounts.find((a) => a.accountId === accountId)?.dailyRequestLimit;
    if (limit === undefined) return undefined;
    const key = `${accountId}:${new Date().toISOString().slice(0, 10)}`;
    const used = (this.#daily.get(key) ?? 0) + 1;
    this.#daily.set(key, used);
    if (used <= limit) return undefined;
    const now = new Date();
    const reset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    return jsonPlan(
      429,
      zoomError(429, "You have reached the maximum daily rate limit for this API. Try again later."),
      { "x-ratelimit-type": "Daily-limit", "retry-after": reset.toUTCString() },
    );
  }

  get defaultAccountId(): string {
    const first = this.accounts[0];
    if (!first) throw new Error("zoom-sim has no account");
    return first.accountId;
  }

  addUser(spec: SimUserSpec): SimUser {
    if (!spec.id) throw new TypeError("zoom-sim: a user needs an id");
    const accountId = spec.accountId ?? this.defaultAccountId;
    if (!this.accounts.some((account) => account.accountId === accountId)) {
      throw new TypeError(`zoom-sim: user ${spec.id} names an unknown account ${accountId}`);
    }
    const user: SimUser = {
      id: spec.id,
      email: spec.email ?? `${spec.id}@example.org`,
      accountId,
      status: spec.status ?? "active",
      type: 2,
    };
    this.users.set(user.id, user);
    return user;
  }

  addMeeting(spec: SimMeetingSpec): SimMeeting {
    const uuid = spec.uuid ?? randomZoomUuid();
    if (this.meetings.has(uuid)) throw new TypeError(`zoom-sim: meeting ${uuid} exists already`);
    const start = parseInstant(spec.startTime, "startTime");
    if (!(spec.durationMinutes >= 0)) throw new TypeError("zoom-sim: durationMinutes must be 0 or more");
    const end = new Date(start.getTime() + spec.durationMinutes * 60_000);
    const hostId = spec.hostId ?? this.users.keys().next().value ?? "sim-host";
    // A meeting's host must be listable, or sweeping by user would never find the meeting.
    const host =
      this.users.get(hostId) ??
      this.addUser({ id: hostId, ...(spec.accountId !== undefined ? { accountId: spec.accountId } : {}) });
    const id = spec.id ?? randomMeetingNumber();
    const meeting: SimMeeting = {
      uuid,
      id,
      recordingId: canonicalUuid(uuid) ?? uuid,
      parentUuid: derivedZoomUuid(`parent:${id}`),
      topic: spec.topic,
      hostId,
      hostEmail: host.email,
      accountId: spec.accountId ?? host.accountId,
      type: spec.type ?? 2,
      timezone: spec.timezone ?? "America/New_York",
      startTime: zoomInstant(start),
      endTime: zoomInstant(end),
      durationMinutes: spec.durationMinutes,
      parentMeetingDeleted: spec.parentMeetingDeleted ?? false,
      pastMeetingMissing: spec.pastMeetingMissing ?? false,
      files: [],
      recording: {},
    };
    if (spec.password !== undefined) meeting.password = spec.password;
    const defaultStart = zoomInstant(new Date(start.getTime() + 9_000));
    for (const fileSpec of spec.files) {
      const fileId = fileSpec.id ?? randomUUID();
      if (this.files.has(fileId) || meeting.files.some((file) => file.id === fileId)) {
        throw new TypeError(`zoom-sim: file ${fileId} exists already`);
      }
      if (!Number.isSafeInteger(fileSpec.size) || fileSpec.size < 0) {
        throw new TypeError(`zoom-sim: file size must be a whole number of bytes: ${fileSpec.size}`);
      }
      const fileType = fileSpec.fileType.toUpperCase();
      meeting.files.push({
        id: fileId,
        fileType,
        fileExtension: fileExtensionOf(fileType),
        size: fileSpec.size,
        recordingType: fileSpec.recordingType ?? defaultRecordingType(fileType),
        recordingStart: fileSpec.recordingStart ?? defaultStart,
        recordingEnd: fileSpec.recordingEnd ?? meeting.endTime,
        status: fileSpec.status ?? "completed",
        zoomOmitsIdAndSize: fileSpec.zoomOmitsIdAndSize ?? OMITTED_BY_ZOOM.has(fileType),
        downloadUrl: this.downloadUrl(fileId, "download"),
      });
    }
    meeting.recording = this.recordingJson(meeting);
    this.meetings.set(uuid, meeting);
    for (const file of meeting.files) this.files.set(file.id, { file, meeting });
    return meeting;
  }

  downloadUrl(fileId: string, kind: "download" | "webhook_download"): string {
    return `${this.apiOrigin}/rec/${kind}/${tokenishPath(`download:${fileId}`)}/${encodeURIComponent(fileId)}`;
  }

  recordingJson(meeting: SimMeeting, options: { forWebhook?: boolean; files?: SimFile[] } = {}) {
    const kind = options.forWebhook ? "webhook_download" : "download";
    return recordingJson(meeting, {
      files: options.files ?? meeting.files,
      downloadUrl: (file) => this.downloadUrl(file.id, kind),
      playUrl: (file) => `${this.apiOrigin}/rec/play/${tokenishPath(`play:${file.id}`)}`,
      shareUrl: `${this.apiOrigin}/rec/share/${tokenishPath(`share:${meeting.uuid}`)}`,
      forWebhook: options.forWebhook ?? false,
    });
  }

  /** A meeting's recordings, unless trashed or deleted. */
  liveMeeting(uuid: string): SimMeeting | undefined {
    return this.gone.has(uuid) ? undefined : this.meetings.get(uuid);
  }

  /** The latest instance of a meeting number, as Zoom answers a number where a uuid may stand. */
  latestInstance(id: number, accountId: string, withRecordings: boolean): SimMeeting | undefined {
    let latest: SimMeeting | undefined;
    for (const meeting of this.meetings.values()) {
      if (meeting.id !== id || meeting.accountId !== accountId) continue;
      if (withRecordings && this.gone.has(meeting.uuid)) continue;
      if (!latest || meeting.startTime > latest.startTime) latest = meeting;
    }
    return latest;
  }

  requireFile(fileId: string): { file: SimFile; meeting: SimMeeting } {
    const found = this.files.get(fileId);
    if (!found) throw new TypeError(`zoom-sim: no file ${fileId}`);
    return found;
  }

  requireMeeting(uuid: string): SimMeeting {
    const meeting = this.meetings.get(uuid);
    if (!meeting) throw new TypeError(`zoom-sim: no meeting ${uuid}`);
    return meeting;
  }
}
