/**
 * `zrec site serve`: a small static server for trying the site on one machine: the folder that holds
 * both the site and the media (the store's root), with Range requests so players can seek. It serves
 * files only, never lists folders, never follows a path out of its root, sends nothing its `allow`
 * refuses (the store's root also holds the index and every recording's metadata), and binds to
 * loopback unless told otherwise.
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import type { AllowPath } from "./served-paths.js";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  vtt: "text/vtt; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  mp4: "video/mp4",
  m4a: "audio/mp4",
  png: "image/png",
};

export interface StaticServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** bytes=a-b, bytes=a-, bytes=-n against `size`; undefined for a range that cannot be served. */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return undefined;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : undefined;
}

/** The path as `allow` sees it: "/" and the path under `root`, or undefined when it is not under it. */
function servedPath(root: string, file: string): string | undefined {
  const relative = path.relative(root, file);
  const outside = relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (relative === "" || outside) return undefined;
  return `/${relative.split(path.sep).join("/")}`;
}

async function answer(
  root: string,
  home: string,
  allow: AllowPath,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const fail = (status: number, text: string) => {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
  };
  if (request.method !== "GET" && request.method !== "HEAD") return fail(405, "Only GET and HEAD.");
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
  } catch {
    return fail(400, "Bad path.");
  }
  if (pathname.includes("\0")) return fail(400, "Bad path.");
  if (pathname === "/") {
    response.writeHead(302, { location: home }).end();
    return;
  }
  if (pathname.endsWith("/")) pathname += "index.html";
  const candidate = path.resolve(root, `.${pathname}`);
  // Normalised first: `/site/%2e%2e/index.db` must be judged as `/index.db`. A refused path answers
  // as a missing one, so nobody learns what the folder holds.
  const asked = servedPath(root, candidate);
  if (asked === undefined || !(await allow(asked))) return fail(404, "Not found.");
  let file: string;
  try {
    file = await realpath(candidate);
  } catch {
    return fail(404, "Not found.");
  }
  // After symlinks are resolved: nothing outside the served folder, whatever the path said, and no
  // link from an allowed name to a refused file.
  const real = servedPath(root, file);
  if (real === undefined || (real !== asked && !(await allow(real)))) return fail(404, "Not found.");
  const info = await stat(file);
  if (!info.isFile()) return fail(404, "Not found.");
  const headers: Record<string, string | number> = {
    "content-type": TYPES[path.extname(file).slice(1).toLowerCase()] ?? "application/octet-stream",
    "accept-ranges": "bytes",
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  };
  const rangeHeader = request.headers.range;
  let start = 0;
  let end = info.size - 1;
  let status = 200;
  if (rangeHeader !== undefined) {
    const range = parseRange(rangeHeader, info.size);
    if (!range) {
      response.writeHead(416, { "content-range": `bytes */${info.size}` }).end();
      return;
    }
    ({ start, end } = range);
    status = 206;
    headers["content-range"] = `bytes ${start}-${end}/${info.size}`;
  }
  headers["content-length"] = info.size === 0 ? 0 : end - start + 1;
  response.writeHead(status, headers);
  if (request.method === "HEAD" || info.size === 0) {
    response.end();
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on("error", () => response.destroy());
  stream.pipe(response);
}

/**
 * Serves `dir` on `host:port` (port 0: any free one).
 * @example
 * const { url, close } = await serveStatic({ dir: "./zrec-data" }); // url: http://127.0.0.1:…/site/index.html
 */
export async function serveStatic(options: {
  dir: string;
  host?: string;
  port?: number;
  /** Where `/` leads: "/site/index.html" (default, the store's root) or "/index.html" (a site of its own). */
  home?: string;
  /**
   * Whether a path (decoded, normalised, under the folder, starting with "/") may be sent; asked before
   * anything is read. Default: everything in the folder.
   */
  allow?: AllowPath;
}): Promise<StaticServer> {
  const root = await realpath(options.dir);
  const home = options.home ?? "/site/index.html";
  const allow = options.allow ?? (() => true);
  const server = createServer((request, response) => {
    answer(root, home, allow, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
