/**
 * `zrec doctor`'s per-account lines beyond the token: which webhook secret verifies the account's
 * events, and whether the token's scopes cover what each configured feature needs.
 */
import type { Config, ZoomAccount } from "../config/types.js";
import { createZoomClient } from "../zoom/api.js";
import type { Outcome } from "./doctor.js";

type Probe = () => Promise<Outcome>;

/** What each feature needs: any one of the scopes (classic or granular) will do. */
const FEATURE_SCOPES = [
  {
    feature: "read recordings",
    any: ["recording:read:admin", "cloud_recording:read:list_recording_files:admin"],
    needed: () => true,
  },
  {
    feature: "read users (sweep-missed)",
    any: ["user:read:admin", "user:read:list_users:admin"],
    needed: () => true,
  },
  {
    feature: "delete recordings (ingest.trashAfterIngest)",
    any: ["recording:write:admin", "cloud_recording:delete:recording_file:admin"],
    needed: (config: Config) => config.ingest.trashAfterIngest,
  },
] as const;

/** Optional: without it the sweep lists per user, which costs more requests but works. */
const ACCOUNT_LISTING_SCOPES = [
  "cloud_recording:read:list_account_recordings:admin",
  "cloud_recording:read:list_account_recordings:master",
];

/** The webhook line always; the scopes line only when Zoom issued a token (`tokenOk`). */
export function zoomAccountProbes(
  config: Config,
  name: string,
  account: ZoomAccount,
  tokenOk: boolean,
): [string, Probe][] {
  const scopes: Probe = tokenOk
    ? () => scopesLine(config, account)
    : async () => ({ skipped: "no token to read the scopes of" });
  return [
    [`zoom.accounts.${name}.webhook`, async () => webhookSecretLine(config, account)],
    [`zoom.accounts.${name}.scopes`, scopes],
  ];
}

/** Only `zrec serve` and the Lambda webhook verify signatures; an ingest from a file needs no secret. */
function webhookSecretLine(config: Config, account: ZoomAccount): Outcome {
  if (account.webhookSecretToken) return "its own webhookSecretToken verifies its app's events";
  if (config.zoom.webhookSecretToken !== "") {
    return "the shared zoom.webhookSecretToken verifies its app's events";
  }
  return {
    warning:
      "no webhook secret (own or zoom.webhookSecretToken): zrec serve and the Lambda webhook would refuse its events",
    suggestion:
      "Set ZOOM_WEBHOOK_SECRET_TOKEN (or zoom.webhookSecretToken, or this account's webhookSecretToken) to the Secret Token of its Zoom app.",
  };
}

/** A Zoom client for doctor's probes: a person is waiting, so one retry for a blip, not the ingest's patient schedule. */
export function doctorZoomClient(config: Config, account: ZoomAccount) {
  return createZoomClient({
    account,
    apiBaseUrl: config.zoom.apiBaseUrl,
    oauthUrl: config.zoom.oauthUrl,
    retry: { attempts: 2 },
    timeoutMs: 15_000,
  });
}

async function scopesLine(config: Config, account: ZoomAccount): Promise<string | { skipped: string }> {
  const zoom = doctorZoomClient(config, account);
  const granted = await zoom.grantedScopes();
  if (granted === undefined) return { skipped: "Zoom did not say which scopes the token grants" };
  const has = (any: readonly string[]) => any.some((scope) => granted.includes(scope));
  const missing = FEATURE_SCOPES.filter((f) => f.needed(config) && !has(f.any)).map(
    (f) => `${f.feature} needs ${f.any.join(" or ")}`,
  );
  if (missing.length > 0) throw new Error(`The token lacks scopes: ${missing.join("; ")}.`);
  const listing = has(ACCOUNT_LISTING_SCOPES)
    ? "account-level listing granted"
    : `account-level listing not granted (${ACCOUNT_LISTING_SCOPES[0]}): sweeps list per user`;
  const covered = FEATURE_SCOPES.filter((f) => f.needed(config)).map((f) => f.feature);
  return `scopes cover ${covered.join(", ")}; ${listing}`;
}
