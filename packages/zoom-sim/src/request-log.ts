/** Every request both servers saw, in arrival order, without a single token value in it. */
import type { IncomingMessage } from "node:http";
import { safeDecode } from "./ids.js";
import type { AuthorizationKind, RequestLogEntry } from "./types.js";

/** Parameter names whose values are credentials: kept as a key (a test can see it was sent), never a value. */
const SECRET_PARAMETERS = /^(access_token|download_access_token|download_token|token|client_secret)$/i;

export interface ParsedRequest {
  method: string;
  rawPath: string;
  path: string;
  query: URLSearchParams;
}

export function parseRequest(req: IncomingMessage): ParsedRequest {
  const url = req.url ?? "/";
  const questionMark = url.indexOf("?");
  const rawPath = questionMark === -1 ? url : url.slice(0, questionMark);
  const search = questionMark === -1 ? "" : url.slice(questionMark + 1);
  return {
    method: req.method ?? "GET",
    rawPath,
    path: safeDecode(rawPath) ?? rawPath,
    query: new URLSearchParams(search),
  };
}

function redactedQuery(query: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of query) result[key] = SECRET_PARAMETERS.test(key) ? "[redacted]" : value;
  return result;
}

/** The scheme of an Authorization header and, for bearer tokens, whose token it is. */
export type BearerClassifier = (token: string) => AuthorizationKind;

function authorizationKindOf(
  header: string | undefined,
  classify: BearerClassifier,
): AuthorizationKind | undefined {
  if (header === undefined) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (scheme?.toLowerCase() === "basic") return "basic";
  if (scheme?.toLowerCase() === "bearer" && value) return classify(value.trim());
  return "other";
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];

  /** Records the request now, so the order is arrival order; the handler fills in status and bytes. */
  start(
    server: RequestLogEntry["server"],
    req: IncomingMessage,
    parsed: ParsedRequest,
    classify: BearerClassifier,
  ) {
    const authorization = req.headers.authorization;
    const entry: RequestLogEntry = {
      at: Date.now(),
      server,
      method: parsed.method,
      path: parsed.path,
      rawPath: parsed.rawPath,
      query: redactedQuery(parsed.query),
      hasAuthorization: authorization !== undefined,
      status: 0,
      bytesSent: 0,
    };
    const kind = authorizationKindOf(authorization, classify);
    if (kind) entry.authorizationKind = kind;
    const range = req.headers.range;
    if (range !== undefined) entry.range = range;
    this.entries.push(entry);
    return entry;
  }
}

export function addNote(entry: RequestLogEntry, note: string): void {
  entry.note = entry.note ? `${entry.note}; ${note}` : note;
}
