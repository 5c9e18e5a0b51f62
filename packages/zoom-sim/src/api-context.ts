/** What a /v2 route handler gets: the caller's account, the request, and the sim's state. */
import { randomBytes } from "node:crypto";
import { needsDoubleEncoding, safeDecode } from "./ids.js";
import type { DownloadTokens } from "./oauth.js";
import type { ParsedRequest } from "./request-log.js";
import type { SimState } from "./state.js";
import type { RequestLogEntry, SimMeeting, TrashCall } from "./types.js";

export interface ApiContext {
  state: SimState;
  /** The account of the access token: a token sees only its own account's users and meetings. */
  accountId: string;
  request: ParsedRequest;
  entry: RequestLogEntry;
  pageTokens: PageTokens;
  downloadTokens: DownloadTokens;
  trashCalls: TrashCall[];
}

/** Zoom's next_page_token: opaque, bound to the listing it came from. */
export class PageTokens {
  readonly #pages = new Map<string, { scope: string; offset: number }>();

  issue(scope: string, offset: number): string {
    const token = randomBytes(24).toString("base64url");
    this.#pages.set(token, { scope, offset });
    return token;
  }

  /** The offset a token stands for; undefined when it is unknown or from another listing. */
  offset(scope: string, token: string): number | undefined {
    const page = this.#pages.get(token);
    return page?.scope === scope ? page.offset : undefined;
  }
}

/** Zoom's page_size: default 30, at most 300; a smaller one is honoured. */
export function pageSizeOf(query: URLSearchParams): number {
  const value = Number(query.get("page_size") ?? "30");
  if (!Number.isInteger(value) || value < 1) return 30;
  return Math.min(value, 300);
}

export type Page<T> = { items: T[]; nextPageToken: string } | { error: string };

export function paginate<T>(context: ApiContext, scope: string, all: T[]): Page<T> {
  const pageSize = pageSizeOf(context.request.query);
  const token = context.request.query.get("next_page_token");
  let offset = 0;
  if (token) {
    const found = context.pageTokens.offset(scope, token);
    if (found === undefined) return { error: "Invalid next_page_token." };
    offset = found;
  }
  const items = all.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return { items, nextPageToken: next < all.length ? context.pageTokens.issue(scope, next) : "" };
}

/**
 * The meeting a path segment names, decoded the way Zoom decodes: once, and once more only for a uuid
 * that needs double encoding. A uuid encoded the other way names no meeting, as at Zoom.
 */
function uuidFromSegment(raw: string): string | undefined {
  const once = safeDecode(raw);
  if (once === undefined) return undefined;
  if (once.includes("%")) {
    const twice = safeDecode(once);
    return twice !== undefined && needsDoubleEncoding(twice) ? twice : undefined;
  }
  return needsDoubleEncoding(once) ? undefined : once;
}

/** The meeting instance a segment names within the caller's account: a uuid, or a number (latest instance). */
export function meetingFromSegment(
  context: ApiContext,
  raw: string,
  options: { withRecordings: boolean },
): SimMeeting | undefined {
  const decoded = safeDecode(raw);
  if (decoded !== undefined && /^\d+$/.test(decoded)) {
    return context.state.latestInstance(Number(decoded), context.accountId, options.withRecordings);
  }
  const uuid = uuidFromSegment(raw);
  if (uuid === undefined) return undefined;
  const meeting = options.withRecordings ? context.state.liveMeeting(uuid) : context.state.meetings.get(uuid);
  return meeting?.accountId === context.accountId ? meeting : undefined;
}
