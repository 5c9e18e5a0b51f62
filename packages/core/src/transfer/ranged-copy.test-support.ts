/**
 * Test doubles for the ranged copy: a real HTTP server on 127.0.0.1 serving deterministic bytes with
 * Range support and scriptable faults, a minimal ByteSource over undici for it, and an in-memory
 * ObjectStore that records what the copy did to it. Not part of the library.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { Agent, request } from "undici";
import type { MultipartUpload, ObjectInfo, ObjectStore, PutOptions, StoredObject } from "../ports.js";
import { parseRetryAfter } from "../retry.js";
import { type ByteSource, SourceHttpError, type SourceResponse } from "./source.js";

export interface RequestRecord {
  /** 0-based order of arrival. */
  index: number;
  range?: { start: number; end: number };
  /** 1-based part the range starts in, when the server knows the part size. */
  part?: number;
  startedAt: number;
  endedAt?: number;
}

/** What the server does wrong for one request. */
export type Fault =
  | { status: number; retryAfter?: string }
  | { dropAfter: number }
  | { stallAfter: number }
  | { delayMs: number }
  | { wrongTotal: number }
  | { whole: true };

export interface RangeServerOptions {
  size: number;
  /** Lets records name the part a range belongs to. */
  partSize?: number;
  /** Answer every request with 200 and the whole body. */
  ignoreRange?: boolean;
  /** Content-Range total `*`. */
  unknownTotal?: boolean;
  /** Omit Content-Length on 200 answers (chunked). */
  noContentLength?: boolean;
  /** Wait this long before every body. */
  delayMs?: number;
  fault?: (request: RequestRecord) => Fault | undefined;
}

export interface RangeServer {
  url: string;
  content: Buffer;
  sha256: string;
  requests: RequestRecord[];
  maxInFlight: number;
  requestsForPart(part: number): RequestRecord[];
  close(): Promise<void>;
}

/** Bytes that differ at every offset and are the same on every run (xorshift32). */
export function deterministicBytes(size: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let x = seed | 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A fault for the first request that matches, then never again. */
export function once(
  match: (request: RequestRecord) => boolean,
  fault: Fault,
): (r: RequestRecord) => Fault | undefined {
  let used = false;
  return (r) => {
    if (used || !match(r)) return undefined;
    used = true;
    return fault;
  };
}

export async function startRangeServer(options: RangeServerOptions): Promise<RangeServer> {
  const content = deterministicBytes(options.size);
  const requests: RequestRecord[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const record: RequestRecord = { index: requests.length, startedAt: performance.now() };
    const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (match) {
      record.range = { start: Number(match[1]), end: Number(match[2]) };
      if (options.partSize) record.part = Math.floor(record.range.start / options.partSize) + 1;
    }
    requests.push(record);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on("close", () => {
      inFlight--;
      record.endedAt = performance.now();
    });
    respond(record, res).catch(() => res.destroy());
  });

  async function respond(record: RequestRecord, res: ServerResponse): Promise<void> {
    const fault = options.fault?.(record);
    if (fault && "status" in fault) {
      res.writeHead(fault.status, fault.retryAfter ? { "retry-after": fault.retryAfter } : {});
      res.end("no");
      return;
    }
    const { size } = options;
    const range = options.ignoreRange || (fault && "whole" in fault) ? undefined : record.range;
    if (range && range.start >= size) {
      res.writeHead(416, { "content-range": `bytes */${size}` });
      res.end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range ? Math.min(range.end, size - 1) : size - 1;
    const body = content.subarray(start, end + 1);
    const headers: Record<string, string | number> = { "content-type": "video/mp4" };
    if (range || !options.noContentLength) headers["content-length"] = body.length;
    if (range) {
      const total = fault && "wrongTotal" in fault ? fault.wrongTotal : options.unknownTotal ? "*" : size;
      headers["content-range"] = `bytes ${start}-${end}/${total}`;
    }
    res.writeHead(range ? 206 : 200, headers);
    res.flushHeaders();
    const delay = (fault && "delayMs" in fault ? fault.delayMs : 0) + (options.delayMs ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (fault && "dropAfter" in fault) {
      res.write(body.subarray(0, fault.dropAfter), () => res.socket?.destroy());
      return;
    }
    if (fault && "stallAfter" in fault) {
      res.write(body.subarray(0, fault.stallAfter)); // and nothing more, until the client gives up
      return;
    }
    res.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rec/file.mp4`,
    content,
    sha256: createHash("sha256").update(content).digest("hex"),
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    requestsForPart: (part) => requests.filter((r) => r.part === part),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A ByteSource over undici `request`, with its own connection pool so tests do not share sockets. */
export function httpSource(url: string): ByteSource & { close(): Promise<void> } {
  const dispatcher = new Agent({ keepAliveTimeout: 1_000 });
  return {
    description: url,
    async fetch(range, signal) {
      const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {};
      const res = await request(url, { headers, dispatcher, ...(signal ? { signal } : {}) });
      const { statusCode } = res;
      if (statusCode !== 200 && statusCode !== 206) {
        await res.body.dump();
        const retryAfter = parseRetryAfter(single(res.headers["retry-after"]));
        throw new SourceHttpError(statusCode, `GET ${url} answered ${statusCode}`, retryAfter);
      }
      const response: SourceResponse = {
        status: statusCode,
        body: res.body,
        discard: async () => {
          res.body.destroy();
        },
      };
      const length = single(res.headers["content-length"]);
      if (length !== undefined) response.contentLength = Number(length);
      const contentRange = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(single(res.headers["content-range"]) ?? "");
      if (contentRange) {
        const total = contentRange[3] === "*" ? undefined : Number(contentRange[3]);
        response.contentRange = {
          start: Number(contentRange[1]),
          end: Number(contentRange[2]),
          ...(total !== undefined ? { total } : {}),
        };
      }
      return response;
    },
    close: () => dispatcher.destroy(),
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** One multipart upload as the memory store saw it. */
export interface RecordedUpload {
  key: string;
  partSize: number;
  size: number;
  parts: Map<number, Uint8Array>;
  /** Part numbers in the order they were uploaded. */
  order: number[];
  completed: boolean;
  aborted: boolean;
}

/** An ObjectStore in memory that checks how it is called and records it. */
export class MemoryStore implements ObjectStore {
  readonly description = "memory";
  readonly objects = new Map<string, { body: Uint8Array; contentType: string }>();
  readonly puts: string[] = [];
  readonly streams: string[] = [];
  readonly uploads: RecordedUpload[] = [];
  /** uploadPart of this part number fails, to test what a store failure does. */
  failPart: number | undefined;

  urlFor(key: string): string {
    return `memory://${key}`;
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<StoredObject> {
    this.puts.push(key);
    return this.store(key, typeof body === "string" ? Buffer.from(body) : body, options, 0);
  }

  async putStream(key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    this.streams.push(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    return this.store(key, Buffer.concat(chunks), options, 0);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.body;
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const body = this.objects.get(key)?.body;
    return body
      ? (async function* () {
          yield body;
        })()
      : undefined;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = this.objects.get(key);
    return object ? { key, size: object.body.length } : undefined;
  }

  async *list(prefix: string): AsyncIterable<string> {
    yield* [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async createMultipartUpload(
    key: string,
    options: PutOptions & { partSize: number; size: number },
  ): Promise<MultipartUpload> {
    const upload: RecordedUpload = {
      key,
      partSize: options.partSize,
      size: options.size,
      parts: new Map(),
      order: [],
      completed: false,
      aborted: false,
    };
    this.uploads.push(upload);
    return {
      // This store keeps no checkpoint, nor anything to let go.
      forget: async () => {},
      suspend: async () => {},
      uploadPart: async ({ partNumber, offset, body }) => {
        if (upload.aborted || upload.completed) throw new Error(`part ${partNumber} after the upload ended`);
        if (partNumber === this.failPart) throw new Error(`memory store refused part ${partNumber}`);
        const expected = Math.min(upload.partSize, upload.size - offset);
        if (offset !== (partNumber - 1) * upload.partSize || body.length !== expected) {
          throw new Error(`part ${partNumber} has offset ${offset} and ${body.length} bytes`);
        }
        upload.parts.set(partNumber, body.slice());
        upload.order.push(partNumber);
      },
      complete: async () => {
        const numbers = [...upload.parts.keys()].sort((a, b) => a - b);
        const body = Buffer.concat(numbers.map((n) => upload.parts.get(n) as Uint8Array));
        if (body.length !== upload.size)
          throw new Error(`complete with ${body.length} of ${upload.size} bytes`);
        upload.completed = true;
        return this.store(key, body, options, numbers.length);
      },
      abort: async () => {
        upload.aborted = true;
        upload.parts.clear();
      },
    };
  }

  private store(key: string, body: Uint8Array, options: PutOptions, parts: number): StoredObject {
    this.objects.set(key, { body, contentType: options.contentType });
    const md5 = createHash("md5").update(body).digest("hex");
    return { key, url: this.urlFor(key), etag: `"${md5}${parts > 0 ? `-${parts}` : ""}"`, size: body.length };
  }
}
