/**
 * The two pieces of undici the downloads and the Zoom client use, loaded alone. `import … from "undici"` evaluates all of
 * undici (fetch, WebSocket, caches, mocks, proxies …): measured on the 2-core benchmark machine, about
 * 185 ms of CPU at the start of every `zrec ingest`, before its first request, against 65 ms for these
 * two. undici's package has no "exports" map, so its files are reachable by path; an upgrade that moved
 * them would fail every download test at import, not silently.
 */
import type { Dispatcher } from "undici";
import requestWith from "undici/lib/api/api-request.js";
import AgentClass from "undici/lib/dispatcher/agent.js";

/** undici's `Agent`. */
const Agent = AgentClass;
type Agent = InstanceType<typeof AgentClass>;

let agent: Agent | undefined;

/** The one keep-alive Agent of a process's downloads and Zoom API calls, made on first use. */
export function sharedAgent(): Agent {
  agent ??= new Agent({ keepAliveTimeout: 30_000 });
  return agent;
}

/**
 * A request of `url` through `dispatcher`: undici's `request(url, { dispatcher, … })` without the index.
 * @example
 * const response = await requestOn(sharedAgent(), new URL("https://api.zoom.us/v2/users/me"), { method: "GET", headers });
 */
export function requestOn(
  dispatcher: Dispatcher,
  url: URL,
  options: Omit<Dispatcher.RequestOptions, "origin" | "path">,
): Promise<Dispatcher.ResponseData> {
  return requestWith.call(dispatcher, {
    ...options,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
  });
}

/**
 * A GET of `url` through `dispatcher`: undici's `request(url, { dispatcher, … })` without the index.
 * @example
 * const response = await get(new Agent(), new URL("https://zoom.us/rec/download/abc"), { headers: {} });
 */
export function get(
  dispatcher: Dispatcher,
  url: URL,
  options: Omit<Dispatcher.RequestOptions, "origin" | "path" | "method">,
): Promise<Dispatcher.ResponseData> {
  return requestOn(dispatcher, url, { ...options, method: "GET" });
}
