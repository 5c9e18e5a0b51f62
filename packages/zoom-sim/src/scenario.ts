/**
 * A scenario file for `zoom-sim --scenario FILE.json`: the users and meetings (with their recording
 * files) the sim starts with, so every zrec command can be tried by hand without writing a script.
 *
 * ```json
 * { "users": [{ "id": "host-1", "email": "host@example.org" }],
 *   "meetings": [{ "topic": "FOLIO Sys Ops & Management SIG", "hostId": "host-1",
 *                  "startTime": "2025-03-05T15:00:00Z", "durationMinutes": 45,
 *                  "files": [{ "fileType": "M4A", "size": 2000000 }] }] }
 * ```
 * Every field of `SimUserSpec` and `SimMeetingSpec` may be given; these are checked, with errors naming
 * the field, and the sim checks the rest as it adds them.
 */
import type { SimMeeting, SimMeetingSpec, SimUserSpec } from "./types.js";

export interface Scenario {
  users: SimUserSpec[];
  meetings: SimMeetingSpec[];
}

export class ScenarioError extends Error {}

/**
 * @throws ScenarioError naming the field at fault.
 * @example
 * const scenario = parseScenario(JSON.parse(text));
 * for (const user of scenario.users) sim.addUser(user);
 */
export function parseScenario(value: unknown): Scenario {
  const fail = (field: string, problem: string): never => {
    throw new ScenarioError(`scenario: "${field}" ${problem}`);
  };
  if (!isObject(value)) return fail("(file)", "should be a JSON object with users and meetings");
  for (const key of Object.keys(value)) {
    if (key !== "users" && key !== "meetings") fail(key, "is not a scenario key (users, meetings)");
  }
  const users = list(value.users, "users", fail);
  const meetings = list(value.meetings, "meetings", fail);
  users.forEach((user, i) => {
    if (!isObject(user) || typeof user.id !== "string") fail(`users[${i}].id`, "should be a string");
  });
  meetings.forEach((meeting, i) => {
    const at = `meetings[${i}]`;
    if (!isObject(meeting)) {
      fail(at, "should be an object");
      return;
    }
    for (const field of ["topic", "startTime"]) {
      if (typeof meeting[field] !== "string") fail(`${at}.${field}`, "should be a string");
    }
    if (typeof meeting.durationMinutes !== "number") fail(`${at}.durationMinutes`, "should be a number");
    list(meeting.files, `${at}.files`, fail).forEach((file, j) => {
      if (!isObject(file) || typeof file.fileType !== "string")
        fail(`${at}.files[${j}].fileType`, "should be a string such as MP4, M4A or TRANSCRIPT");
      else if (typeof file.size !== "number" || !(file.size >= 0))
        fail(`${at}.files[${j}].size`, "should be a number of bytes");
    });
  });
  return { users: users as SimUserSpec[], meetings: meetings as SimMeetingSpec[] };
}

/** What the command prints per meeting: enough to ingest it or find it in the archive. */
export function describeMeeting(meeting: SimMeeting) {
  return {
    uuid: meeting.uuid,
    recordingId: meeting.recordingId,
    topic: meeting.topic,
    files: meeting.files.map((file) => ({ id: file.id, fileType: file.fileType, size: file.size })),
  };
}

function list(value: unknown, field: string, fail: (field: string, problem: string) => never): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : fail(field, "should be a list");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
