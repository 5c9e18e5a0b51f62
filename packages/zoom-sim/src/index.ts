/**
 * @zrec/zoom-sim: a stand-in for Zoom's REST API, OAuth, download URLs and CDN over real HTTP.
 * @example
 * import { startZoomSim } from "@zrec/zoom-sim";
 * const sim = await startZoomSim();
 */
export { CDN_URL_TTL_SECONDS } from "./cdn.js";
export { encodeUuidForPath, needsDoubleEncoding } from "./ids.js";
export { ACCOUNT_RECORDINGS_SCOPE, DEFAULT_SCOPES } from "./oauth.js";
export { DEFAULT_ACCOUNT, startZoomSim, ZoomSim } from "./server.js";
export type {
  AuthorizationKind,
  FaultKind,
  FaultRule,
  FaultTarget,
  RecordingEventName,
  RecordingEventOptions,
  RequestLogEntry,
  SignedWebhook,
  SimAccount,
  SimFile,
  SimFileSpec,
  SimMeeting,
  SimMeetingSpec,
  SimUser,
  SimUserSpec,
  TrashCall,
  ZoomSimOptions,
} from "./types.js";
