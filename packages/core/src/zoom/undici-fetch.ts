/**
 * The Zoom client's requests over the undici the downloads use (`undici-request.ts`), offered as the
 * small part of `fetch` the client calls. Node's own `fetch` is a second copy of undici, which a process
 * loads and compiles at its first request (its HTTP parser too): ~40 ms of every ingest's start-up on
 * the benchmark machine, before the first byte, on top of the copy's own undici. Tests hand the client
 * `globalThis.fetch` instead (nock intercepts that one); both give it what it reads of an answer.
 */
import { STATUS_CODES } from "node:http";
import { requestOn, sharedAgent } from "./undici-request.js";

/** What the Zoom client reads of an answer: a `Response` has all of it. */
export interface ZoomResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
  body: { cancel(): Promise<void> } | null;
}

/** How the Zoom client sends a request: `globalThis.fetch` fits, as does {@link undiciFetch}. */
export type ZoomFetch = (url: URL, init: RequestInit) => Promise<ZoomResponse>;

/**
 * A {@link ZoomFetch} on undici's `request`. Takes the client's requests only: a method, headers as a
 * plain object, no body (the token request carries its grant in the query) and a signal; redirects are
 * not followed (Zoom's API answers without them).
 * @example
 * const response = await undiciFetch(new URL("https://api.zoom.us/v2/users/me"), { headers: { authorization } });
 */
export const undiciFetch: ZoomFetch = async (url, init) => {
  if (init.body !== undefined && init.body !== null) {
    throw new TypeError("undiciFetch sends no request body; the Zoom client never needs one");
  }
  const answer = await requestOn(sharedAgent(), url, {
    method: (init.method ?? "GET") as "GET",
    headers: (init.headers ?? {}) as Record<string, string>,
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const status = answer.statusCode;
  return {
    status,
    statusText: STATUS_CODES[status] ?? "",
    ok: status >= 200 && status < 300,
    headers: {
      get(name) {
        const value = answer.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(", ") : value;
      },
    },
    text: () => answer.body.text(),
    json: () => answer.body.json(),
    body: { cancel: () => answer.body.dump() },
  };
};
