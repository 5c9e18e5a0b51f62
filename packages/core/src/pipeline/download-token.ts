import type { ZoomClient } from "../zoom/api.js";
import type { TokenProvider } from "../zoom/download.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A token this close to expiry is not worth starting a multi-GiB download with. */
const MARGIN_MS = 10 * 60 * 1000;

/**
 * The token a download is made with. The event's download_token lasts 24 hours; after that (manual
 * re-ingest, sweep) or when Zoom refuses it, the account's OAuth token is used instead.
 */
export function downloadTokenProvider(options: {
  downloadToken?: string;
  eventTs?: number;
  zoom: ZoomClient;
  now: number;
}): TokenProvider {
  const { downloadToken, zoom } = options;
  let useOAuth = downloadToken === undefined || !stillValid(downloadToken, options.eventTs, options.now);
  return {
    current: async () => (useOAuth || downloadToken === undefined ? zoom.accessToken() : downloadToken),
    refresh: async () => {
      if (!useOAuth) {
        useOAuth = true;
        return zoom.accessToken();
      }
      return zoom.accessToken({ forceRefresh: true });
    },
  };
}

function stillValid(token: string, eventTs: number | undefined, now: number): boolean {
  const expiresAt = jwtExpiry(token) ?? (eventTs !== undefined ? eventTs + DAY_MS : undefined);
  return expiresAt === undefined || expiresAt - MARGIN_MS > now;
}

/** The `exp` claim of a JWT in ms, read without verifying (Zoom verifies; we only avoid a doomed try). */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
