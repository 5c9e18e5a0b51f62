/** /v2 routes about users: listing them, and listing a user's recordings over a date window. */
import { type ApiContext, pageSizeOf, paginate } from "./api-context.js";
import { safeDecode } from "./ids.js";
import { ACCOUNT_RECORDINGS_SCOPE, DEFAULT_SCOPES } from "./oauth.js";
import { addNote } from "./request-log.js";
import { type BodyPlan, jsonPlan } from "./respond.js";
import type { SimMeeting, SimUser } from "./types.js";
import { zoomError } from "./zoom-json.js";

/** GET /v2/users?status&page_size&next_page_token */
export function listUsers(context: ApiContext): BodyPlan {
  const status = context.request.query.get("status") ?? "active";
  const users = [...context.state.users.values()].filter(
    (user) => user.accountId === context.accountId && user.status === status,
  );
  const page = paginate(context, `users:${context.accountId}:${status}`, users);
  if ("error" in page) return jsonPlan(400, zoomError(300, page.error));
  const pageSize = pageSizeOf(context.request.query);
  return jsonPlan(200, {
    page_count: Math.ceil(users.length / pageSize),
    page_number: 1,
    page_size: pageSize,
    total_records: users.length,
    next_page_token: page.nextPageToken,
    users: page.items.map(userJson),
  });
}

function userJson(user: SimUser) {
  const name = user.email.split("@")[0] ?? user.id;
  return {
    id: user.id,
    first_name: name,
    last_name: "",
    display_name: name,
    email: user.email,
    type: user.type,
    status: user.status,
    timezone: "America/New_York",
  };
}

/** GET /v2/users/{userId}/recordings?from&to&page_size&next_page_token */
export function listUserRecordings(context: ApiContext, rawUserId: string): BodyPlan {
  const userId = safeDecode(rawUserId) ?? rawUserId;
  const user = [...context.state.users.values()].find(
    (candidate) =>
      candidate.accountId === context.accountId && (candidate.id === userId || candidate.email === userId),
  );
  if (!user) return jsonPlan(404, zoomError(1001, `User does not exist: ${userId}.`));
  return recordingsPage(context, `${user.id}`, (meeting) => meeting.hostId === user.id);
}

/** Zoom's account endpoint reaches this far back, no further. */
const ACCOUNT_LISTING_MONTHS = 6;

/** GET /v2/accounts/me/recordings?from&to&page_size&next_page_token: every user's, one call per window. */
export function listAccountRecordings(context: ApiContext): BodyPlan {
  const account = context.state.accounts.find((a) => a.accountId === context.accountId);
  if (!(account?.scopes ?? DEFAULT_SCOPES).includes(ACCOUNT_RECORDINGS_SCOPE)) {
    return jsonPlan(
      400,
      zoomError(4711, `Invalid access token, does not contain scopes:[${ACCOUNT_RECORDINGS_SCOPE}].`),
    );
  }
  const from = context.request.query.get("from") ?? "";
  const oldest = new Date();
  oldest.setUTCMonth(oldest.getUTCMonth() - ACCOUNT_LISTING_MONTHS);
  if (isDate(from) && from < oldest.toISOString().slice(0, 10)) {
    return jsonPlan(
      400,
      zoomError(300, "Only recordings of the last 6 months can be listed for an account."),
    );
  }
  return recordingsPage(context, "account", () => true);
}

function recordingsPage(context: ApiContext, key: string, mine: (meeting: SimMeeting) => boolean): BodyPlan {
  const query = context.request.query;
  const today = new Date().toISOString().slice(0, 10);
  const from = query.get("from") ?? today;
  let to = query.get("to") ?? today;
  if (!isDate(from) || !isDate(to)) return jsonPlan(400, zoomError(300, "Invalid date: use yyyy-mm-dd."));
  if (to < from) return jsonPlan(400, zoomError(300, "The 'to' date must not be before the 'from' date."));
  // Zoom answers a longer window without a word, as if it had been asked for the first month only.
  const limit = addOneMonth(from);
  if (to > limit) {
    addNote(context.entry, `window clamped: to ${to} -> ${limit}`);
    to = limit;
  }

  const meetings = [...context.state.meetings.values()]
    .filter((meeting) => mine(meeting) && meeting.accountId === context.accountId)
    .filter((meeting) => !context.state.gone.has(meeting.uuid))
    .filter((meeting) => {
      const day = meeting.startTime.slice(0, 10);
      return day >= from && day <= to;
    })
    .sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0));
  const page = paginate(context, `recordings:${context.accountId}:${key}:${from}:${to}`, meetings);
  if ("error" in page) return jsonPlan(400, zoomError(300, page.error));
  return jsonPlan(200, {
    from,
    to,
    page_count: Math.ceil(meetings.length / pageSizeOf(query)),
    page_size: pageSizeOf(query),
    total_records: meetings.length,
    next_page_token: page.nextPageToken,
    meetings: page.items.map((meeting) => context.state.recordingJson(meeting)),
  });
}

function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The same day a month later, or the month's last day when it has no such day (01-31 -> 02-28). */
function addOneMonth(day: string): string {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const nextMonthIndex = month; // 0-based index of the following month
  const lastDay = new Date(Date.UTC(year, nextMonthIndex + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, nextMonthIndex, Math.min(date, lastDay))).toISOString().slice(0, 10);
}
