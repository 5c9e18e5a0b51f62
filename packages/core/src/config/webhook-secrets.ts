/**
 * Which Secret Token verifies which webhook. Each Zoom account's app signs its events with its own
 * token, so an event is checked with the token of the account it names: one app's token must never
 * make zrec act on (and trash) another account's recordings.
 */
import { ConfigError } from "../errors.js";
import { accountForZoomAccountId } from "./accounts.js";
import type { Config } from "./types.js";

export interface WebhookSecrets {
  /** Every distinct configured token: a request that names no account may be signed with any of them. */
  all: string[];
  /**
   * The one token that may sign an event of the Zoom account `zoomAccountId` (an event's
   * `payload.account_id`): that account's own, else `zoom.webhookSecretToken`. An id that no configured
   * account has gets the token of the account the pipeline would then use (the default or only one).
   * Undefined when that account has no token at all.
   */
  forAccount(zoomAccountId: string | undefined): string | undefined;
}

/**
 * @example
 * const secrets = webhookSecrets(config);
 * if (secrets.all.length === 0) throw new Error("no webhook secret");
 * handleWebhook({ headers, rawBody, secret: secrets });
 */
export function webhookSecrets(config: Config): WebhookSecrets {
  const shared = config.zoom.webhookSecretToken;
  const own = (token: string | undefined) => (token !== undefined && token !== "" ? token : shared);
  const all = new Set<string>();
  if (shared !== "") all.add(shared);
  for (const account of Object.values(config.zoom.accounts)) {
    if (account.webhookSecretToken) all.add(account.webhookSecretToken);
  }
  return {
    all: [...all],
    forAccount(zoomAccountId) {
      let token: string;
      try {
        token = own(accountForZoomAccountId(config, zoomAccountId).account.webhookSecretToken);
      } catch (error) {
        // No account to fall back on (none, or several and no "default"): only the shared token can
        // speak for an account zrec does not know; the ingest itself then says what is missing.
        if (!(error instanceof ConfigError)) throw error;
        token = shared;
      }
      return token === "" ? undefined : token;
    },
  };
}

/** The keys that hold webhook secrets, for messages telling the user where to put one. */
export const WEBHOOK_SECRET_KEYS =
  "zoom.webhookSecretToken (ZOOM_WEBHOOK_SECRET_TOKEN) or zoom.accounts.NAME.webhookSecretToken";
