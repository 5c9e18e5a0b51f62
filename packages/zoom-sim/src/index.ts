/**
 * @zrec/zoom-sim: a stand-in for Zoom's REST API, OAuth, download URLs and CDN over real HTTP.
 * @example
 * import { startZoomSim } from "@zrec/zoom-sim";
 * const sim = await startZoomSim();
 */
import { fileURLToPath } from "node:url";

export { CDN_URL_TTL_SECONDS } from "./cdn.js";
export { ACCOUNT_RECORDINGS_SCOPE, DEFAULT_SCOPES } from "./oauth.js";
export { DEFAULT_ACCOUNT, startZoomSim, ZoomSim } from "./server.js";
export type * from "./types.js";

/**
 * A real `recording.completed` event as Zoom sent it (tokens long expired), shipped inside this package so
 * that every test and the demo read it from the repository itself. src/ and dist/ both sit one level
 * below the package root, so the same relative path serves the source and the build.
 */
export const REAL_EVENT_FILE = fileURLToPath(
  new URL("../fixtures/zoom-recording-completed.json", import.meta.url),
);
