/**
 * The download CDN: a separate host serving file bodies at signed, expiring URLs, with Range support.
 * It takes no credentials: a request carrying an Authorization header is refused, because a client that
 * sends one here has leaked a Zoom token to a host it was not meant for.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { contentChunks } from "./content.js";
import { describeFault, type FaultBook } from "./faults.js";
import { safeDecode } from "./ids.js";
import { addNote, type BearerClassifier, parseRequest, type RequestLog } from "./request-log.js";
import { type BodyPlan, jsonPlan, send, writeBody } from "./respond.js";
import type { SimState } from "./state.js";
import { mimeTypeOf } from "./zoom-json.js";

/** How long a signed CDN URL stays valid. */
export const CDN_URL_TTL_SECONDS = 600;

export class CdnSigner {
  readonly #key = randomBytes(32);

  constructor(readonly origin: string) {}

  signedUrl(fileId: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + CDN_URL_TTL_SECONDS;
    return `${this.origin}/rec/${encodeURIComponent(fileId)}?expires=${expires}&sig=${this.#sign(fileId, expires)}`;
  }

  verify(fileId: string, query: URLSearchParams): "ok" | "bad" | "expired" {
    const expires = Number(query.get("expires"));
    const signature = query.get("sig") ?? "";
    if (!Number.isInteger(expires)) return "bad";
    const expected = Buffer.from(this.#sign(fileId, expires));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return "bad";
    return expires * 1000 < Date.now() ? "expired" : "ok";
  }

  #sign(fileId: string, expires: number): string {
    return createHmac("sha256", this.#key).update(`${fileId}:${expires}`).digest("base64url");
  }
}

export type ByteRange = { start: number; end: number } | "unsatisfiable" | undefined;

/**
 * `bytes=s-e`, `bytes=s-` and `bytes=-n` for a body of `size` bytes (end inclusive). A header that does not
 * parse, or asks for several ranges, is ignored as RFC 9110 allows: the whole body is served.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}

export interface CdnDeps {
  state: SimState;
  signer: CdnSigner;
  log: RequestLog;
  faults: FaultBook;
  classify: BearerClassifier;
  bandwidth: () => number | undefined;
}

export function createCdnHandler(deps: CdnDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serveCdn(deps, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  };
}

async function serveCdn(deps: CdnDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseRequest(req);
  const entry = deps.log.start("cdn", req, request, deps.classify);
  const answer = (plan: BodyPlan) => writeBody(res, entry, { ...plan, head: request.method === "HEAD" });

  if (req.headers.authorization !== undefined) {
    addNote(entry, "refused: an Authorization header was sent to the CDN (a leaked token)");
    return answer(
      jsonPlan(400, {
        code: 400,
        message:
          "The CDN accepts no Authorization header: credentials were sent to a host they were not meant for.",
      }),
    );
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return answer(jsonPlan(405, { code: 405, message: "Method not allowed." }, { Allow: "GET, HEAD" }));
  }
  const match = /^\/rec\/([^/]+)$/.exec(request.rawPath);
  const fileId = match?.[1] ? safeDecode(match[1]) : undefined;
  if (fileId === undefined) return answer(jsonPlan(404, { code: 404, message: "Not found." }));

  const verdict = deps.signer.verify(fileId, request.query);
  if (verdict !== "ok") {
    addNote(entry, `refused: ${verdict === "expired" ? "expired" : "bad"} signature`);
    const message = verdict === "expired" ? "Request has expired." : "Invalid signature.";
    return answer(jsonPlan(403, { code: 403, message }));
  }
  const found = deps.state.files.get(fileId);
  if (!found || deps.state.gone.has(found.meeting.uuid)) {
    return answer(jsonPlan(404, { code: 3301, message: "This recording does not exist." }));
  }

  const { file } = found;
  const rangeHeader = req.headers.range;
  const fault = deps.faults.take({
    target: "cdn",
    fileId,
    rawPath: request.rawPath,
    path: request.path,
    method: req.method ?? "GET",
    ranged: rangeHeader !== undefined,
  });
  if (fault) entry.fault = describeFault(fault);
  if (fault?.kind === "status")
    return send(res, entry, { status: 0, headers: {}, length: 0, chunks: [] }, fault);

  const range = fault?.kind === "ignore-range" ? undefined : parseRange(rangeHeader, file.size);
  const headers: Record<string, string> = {
    "Content-Type": mimeTypeOf(file.fileType),
    "Accept-Ranges": "bytes",
    ETag: `"${fileId}-${file.size}"`,
    "Content-Disposition": `attachment; filename="${file.recordingType}.${file.fileExtension.toLowerCase()}"`,
  };
  if (range === "unsatisfiable") {
    return answer(
      jsonPlan(
        416,
        { code: 416, message: "Range not satisfiable." },
        { "Content-Range": `bytes */${file.size}` },
      ),
    );
  }
  const start = range?.start ?? 0;
  const endExclusive = range ? range.end + 1 : file.size;
  if (range) {
    const total = fault?.kind === "short-total" ? file.size + (fault.bytes ?? -1) : file.size;
    headers["Content-Range"] = `bytes ${range.start}-${range.end}/${total}`;
  }
  await writeBody(res, entry, {
    status: range ? 206 : 200,
    headers,
    length: endExclusive - start,
    chunks: contentChunks(fileId, start, endExclusive),
    head: request.method === "HEAD",
    fault,
    bandwidth: deps.bandwidth,
  });
}
