/**
 * The API host: /oauth/token, the /v2 REST routes (bearer access token required), and /rec/… download
 * URLs, which take an access token or a download token in the Authorization header and redirect to the CDN.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ApiContext, PageTokens } from "./api-context.js";
import { deleteRecordings, getMeeting, getPastMeeting, getRecordings } from "./api-meetings.js";
import { listAccountRecordings, listUserRecordings, listUsers } from "./api-users.js";
import type { CdnSigner } from "./cdn.js";
import type { FaultBook } from "./faults.js";
import { safeDecode } from "./ids.js";
import { type AccessTokens, bearerToken, type DownloadTokens, oauthToken } from "./oauth.js";
import {
  addNote,
  type BearerClassifier,
  type ParsedRequest,
  parseRequest,
  type RequestLog,
} from "./request-log.js";
import { type BodyPlan, jsonPlan, send } from "./respond.js";
import type { SimState } from "./state.js";
import type { FaultTarget, RequestLogEntry, TrashCall } from "./types.js";
import { zoomError } from "./zoom-json.js";

export interface ApiDeps {
  state: SimState;
  log: RequestLog;
  faults: FaultBook;
  accessTokens: AccessTokens;
  downloadTokens: DownloadTokens;
  signer: CdnSigner;
  classify: BearerClassifier;
  trashCalls: TrashCall[];
}

const INVALID_TOKEN = zoomError(124, "Invalid access token.");
const EXPIRED_TOKEN = zoomError(124, "Access token is expired.");
const NOT_FOUND = zoomError(404, "Not Found");

export function createApiHandler(deps: ApiDeps) {
  const pageTokens = new PageTokens();
  return (req: IncomingMessage, res: ServerResponse): void => {
    serveApi(deps, pageTokens, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        res
          .writeHead(500, { "Content-Type": "application/json" })
          .end(JSON.stringify(zoomError(500, String(error))));
      else res.destroy();
    });
  };
}

function targetOf(rawPath: string): FaultTarget {
  if (rawPath.startsWith("/oauth/")) return "oauth";
  if (rawPath.startsWith("/rec/")) return "download";
  return "api";
}

async function serveApi(deps: ApiDeps, pageTokens: PageTokens, req: IncomingMessage, res: ServerResponse) {
  const request = parseRequest(req);
  const entry = deps.log.start("api", req, request, deps.classify);
  const target = targetOf(request.rawPath);
  const segments = request.rawPath.split("/");
  const fileId = target === "download" ? safeDecode(segments.at(-1) ?? "") : undefined;
  const fault = deps.faults.take({
    target,
    fileId,
    rawPath: request.rawPath,
    path: request.path,
    method: req.method ?? "GET",
    ranged: req.headers.range !== undefined,
  });
  const body = await readBody(req);
  if (fault?.kind === "status") return send(res, entry, jsonPlan(200, {}), fault);

  let plan: BodyPlan;
  if (target === "oauth") {
    plan =
      request.rawPath === "/oauth/token"
        ? oauthToken(req, request.query, body, deps.state.accounts, deps.accessTokens, deps.state.apiOrigin)
        : jsonPlan(404, NOT_FOUND);
  } else if (target === "download") {
    plan = downloadRedirect(deps, req, request, entry, fileId);
  } else {
    plan = v2Route(deps, pageTokens, req, request, entry);
  }
  if (req.method === "HEAD") plan = { ...plan, head: true };
  return send(res, entry, plan, fault);
}

function v2Route(
  deps: ApiDeps,
  pageTokens: PageTokens,
  req: IncomingMessage,
  request: ParsedRequest,
  entry: RequestLogEntry,
): BodyPlan {
  if (request.query.has("access_token")) {
    addNote(entry, "refused: access_token in the query string");
    return jsonPlan(
      400,
      zoomError(300, "Send the access token in the Authorization header, not the query string."),
    );
  }
  const token = bearerToken(req.headers.authorization);
  const check = token === undefined ? undefined : deps.accessTokens.check(token);
  if (!check?.ok) return jsonPlan(401, check?.reason === "expired" ? EXPIRED_TOKEN : INVALID_TOKEN);

  const context: ApiContext = {
    state: deps.state,
    accountId: check.accountId,
    request,
    entry,
    pageTokens,
    downloadTokens: deps.downloadTokens,
    trashCalls: deps.trashCalls,
  };
  // Raw segments: a uuid's encoded slashes must not split it.
  const [, v2, first, second, third, ...rest] = request.rawPath.split("/");
  const method = request.method;
  if (v2 !== "v2" || rest.length > 0) return jsonPlan(404, NOT_FOUND);
  const limited = deps.state.countDailyRequest(check.accountId);
  if (limited) return limited;
  if (first === "users" && second === undefined && method === "GET") return listUsers(context);
  if (first === "accounts" && second === "me" && third === "recordings" && method === "GET") {
    return listAccountRecordings(context);
  }
  if (first === "users" && second && third === "recordings" && method === "GET") {
    return listUserRecordings(context, second);
  }
  if (first === "past_meetings" && second && third === undefined && method === "GET") {
    return getPastMeeting(context, second);
  }
  if (first === "meetings" && second && third === undefined && method === "GET")
    return getMeeting(context, second);
  if (first === "past_webinars" && second && third === undefined && method === "GET") {
    return getPastMeeting(context, second, true);
  }
  if (first === "webinars" && second && third === undefined && method === "GET")
    return getMeeting(context, second, true);
  if (first === "meetings" && second && third === "recordings") {
    if (method === "GET") return getRecordings(context, second);
    if (method === "DELETE") return deleteRecordings(context, second);
  }
  return jsonPlan(404, NOT_FOUND);
}

/** /rec/download/{…}/{fileId} and /rec/webhook_download/{…}/{fileId}: check the caller, then 302 to the CDN. */
function downloadRedirect(
  deps: ApiDeps,
  req: IncomingMessage,
  request: ParsedRequest,
  entry: RequestLogEntry,
  fileId: string | undefined,
): BodyPlan {
  if (!/^\/rec\/(webhook_)?download\/[^/]+\/[^/]+$/.test(request.rawPath) || fileId === undefined) {
    return jsonPlan(404, NOT_FOUND);
  }
  if (request.query.has("access_token")) {
    addNote(entry, "refused: access_token in the query string");
    return jsonPlan(400, zoomError(300, "Send the token in the Authorization header, not the query string."));
  }
  const token = bearerToken(req.headers.authorization);
  if (token === undefined) return jsonPlan(401, INVALID_TOKEN);
  const found = deps.state.files.get(fileId);

  let allowed: boolean;
  const oauth = deps.accessTokens.check(token);
  if (oauth.ok) {
    allowed = found?.meeting.accountId === oauth.accountId;
  } else if (oauth.reason === "expired") {
    return jsonPlan(401, EXPIRED_TOKEN);
  } else {
    const download = deps.downloadTokens.check(token);
    if (!download.ok) return jsonPlan(401, download.reason === "expired" ? EXPIRED_TOKEN : INVALID_TOKEN);
    allowed = found?.meeting.uuid === download.claims.mid;
  }
  if (!found || deps.state.gone.has(found.meeting.uuid)) {
    return jsonPlan(404, zoomError(3301, "This recording does not exist."));
  }
  if (!allowed) return jsonPlan(401, zoomError(124, "The token does not grant access to this recording."));
  return { status: 302, headers: { Location: deps.signer.signedUrl(fileId) }, length: 0, chunks: [] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    // Nothing the sim accepts has a large body; reading a huge one would only cost memory.
    if (length > 1024 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
