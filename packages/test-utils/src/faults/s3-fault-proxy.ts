/**
 * A tiny HTTP proxy in front of s3rver (both on 127.0.0.1) that fails chosen S3 calls: UploadPart (a
 * PUT with `?partNumber=&uploadId=`), CompleteMultipartUpload (a POST with `?uploadId=`) and PutObject
 * (a PUT without either). A failure is an S3 XML error with the chosen status; `lost` forwards the call
 * (S3 does the work) and then answers 500 anyway, as when the answer is lost on the way back.
 * Requests are forwarded byte for byte with their Host header, so SigV4 signatures still match.
 */
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type S3Call =
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "PutObject"
  | "CreateMultipartUpload"
  | "other";

export interface ProxyRule {
  call: S3Call;
  /** UploadPart only: this part number. */
  partNumber?: number;
  /** Calls it fails; default Infinity. */
  times?: number;
  /** 500 (the SDK retries it), 400 (it does not), or lost (done, then 500). Default 500. */
  mode?: 500 | 400 | "lost";
}

export interface S3FaultProxy {
  endpoint: string;
  /** Calls seen, by kind, and how many were failed. */
  seen: Record<S3Call, number>;
  failed: number;
  rules: ProxyRule[];
  close(): Promise<void>;
}

export function callOf(method: string, url: URL): S3Call {
  const q = url.searchParams;
  if (method === "PUT" && q.has("partNumber") && q.has("uploadId")) return "UploadPart";
  if (method === "POST" && q.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "POST" && q.has("uploads")) return "CreateMultipartUpload";
  if (method === "PUT" && !q.has("partNumber") && url.pathname.split("/").length > 2) return "PutObject";
  return "other";
}

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`;

/**
 * @example
 * const proxy = await startS3FaultProxy(s3.endpoint, [{ call: "UploadPart", partNumber: 2 }]);
 * const client = new S3Client({ endpoint: proxy.endpoint, forcePathStyle: true, … });
 */
export async function startS3FaultProxy(target: string, rules: ProxyRule[]): Promise<S3FaultProxy> {
  const upstream = new URL(target);
  const seen: Record<S3Call, number> = {
    UploadPart: 0,
    CompleteMultipartUpload: 0,
    PutObject: 0,
    CreateMultipartUpload: 0,
    other: 0,
  };
  const state = { failed: 0 };
  const left = rules.map((rule) => ({ rule, times: rule.times ?? Number.POSITIVE_INFINITY }));

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const call = callOf(req.method ?? "GET", url);
    seen[call]++;
    const part = Number(url.searchParams.get("partNumber") ?? Number.NaN);
    const hit = left.find(
      (l) =>
        l.times > 0 &&
        l.rule.call === call &&
        (l.rule.partNumber === undefined || l.rule.partNumber === part),
    );
    if (hit) hit.times--;
    const mode = hit?.rule.mode ?? 500;
    if (hit && mode !== "lost") {
      state.failed++;
      req.resume();
      req.on("end", () => {
        const body =
          mode === 400
            ? errorXml("InvalidArgument", "Injected by the test proxy.")
            : errorXml("InternalError", "We encountered an internal error. Please try again.");
        res.writeHead(mode, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    forward(req, upstream, (status, headers, body) => {
      if (hit) {
        state.failed++;
        const error = errorXml("InternalError", "We encountered an internal error. Please try again.");
        res.writeHead(500, { "content-type": "application/xml", "content-length": Buffer.byteLength(error) });
        res.end(error);
        return;
      }
      res.writeHead(status, headers);
      res.end(body);
    }).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    get failed() {
      return state.failed;
    },
    rules,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(
  req: IncomingMessage,
  upstream: URL,
  reply: (status: number, headers: Record<string, string | string[]>, body: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value !== undefined && name !== "transfer-encoding" && name !== "connection")
              headers[name] = value;
          }
          const body = Buffer.concat(chunks);
          // A HEAD answer's Content-Length is the object's size, not this (empty) body's.
          if (req.method !== "HEAD") headers["content-length"] = String(body.length);
          reply(answer.statusCode ?? 502, headers, body);
          resolve();
        });
        answer.on("error", reject);
      },
    );
    out.on("error", reject);
    req.pipe(out);
  });
}
