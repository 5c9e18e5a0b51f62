/**
 * Picking a Zoom account. Loading accepts a configuration without accounts (not every command talks
 * to Zoom), so the commands that do ask here and get a sentence telling how to add one.
 */
import { ConfigError } from "../errors.js";
import { ACCOUNT_ENV, incompleteAccountError } from "./env.js";
import type { Config, ZoomAccount } from "./types.js";

export interface NamedZoomAccount {
  name: string;
  account: ZoomAccount;
}

const HOW_TO_ADD =
  "set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, or add zoom.accounts.default " +
  "(accountId, clientId, clientSecret) to the configuration";

/**
 * The account called `name`; without a name, `default`, or the only account when there is just one.
 * Throws ConfigError (key `zoom.accounts.<name>`) when there is no such account, or (key
 * `zoom.accounts.<name>.clientSecret`) when its client secret is not set: loading accepts an account
 * without one, so that the commands that never talk to Zoom run without Zoom credentials. Likewise a
 * default account that ZOOM_CLIENT_SECRET (or another account variable) began and nothing completed
 * (loadConfig's `incompleteEnvAccount: "defer"`) is refused here, naming the variables to set.
 *
 * @example
 * const { name, account } = requireZoomAccount(config, options.account);
 */
export function requireZoomAccount(config: Config, name?: string): NamedZoomAccount {
  const found = pickZoomAccount(config, name);
  const missing = ACCOUNT_ENV.filter(
    ([field]) => field !== "clientSecret" && found.account[field] === "",
  ).map(([field]) => field);
  if (missing.length > 0) {
    const set = ACCOUNT_ENV.filter(([field]) => found.account[field] !== "").map(([field]) => field);
    const otherNames = Object.keys(config.zoom.accounts).filter((other) => other !== found.name);
    throw incompleteAccountError({ set, missing, otherNames });
  }
  if (found.account.clientSecret === "") {
    const key = `zoom.accounts.${found.name}.clientSecret`;
    const where =
      found.name === "default" ? " (in the file or as the environment variable ZOOM_CLIENT_SECRET)" : "";
    throw new ConfigError(key, `${key} is required to talk to Zoom${where}`, {
      suggestion: "Set it to the Client Secret of the account's Server-to-Server OAuth app.",
    });
  }
  return found;
}

function pickZoomAccount(config: Config, name?: string): NamedZoomAccount {
  const accounts = config.zoom.accounts;
  const names = Object.keys(accounts);
  if (name !== undefined) {
    const account = Object.hasOwn(accounts, name) ? accounts[name] : undefined;
    if (account) return { name, account };
    const known = names.length > 0 ? ` (configured: ${names.join(", ")})` : "";
    const how =
      name === "default"
        ? HOW_TO_ADD
        : `add zoom.accounts.${name} (accountId, clientId, clientSecret) to the configuration`;
    throw new ConfigError(
      `zoom.accounts.${name}`,
      `No Zoom account named "${name}" is configured${known}: ${how}`,
    );
  }
  const fallback = Object.hasOwn(accounts, "default") ? "default" : names.length === 1 ? names[0] : undefined;
  const account = fallback === undefined ? undefined : accounts[fallback];
  if (fallback !== undefined && account) return { name: fallback, account };
  if (names.length === 0) {
    throw new ConfigError("zoom.accounts.default", `No Zoom account is configured: ${HOW_TO_ADD}`);
  }
  throw new ConfigError(
    "zoom.accounts",
    `${names.length} Zoom accounts are configured and none is called "default", so name the one to use (${names.join(", ")})`,
  );
}

/**
 * The configured account whose `accountId` is `zoomAccountId` (an event's `account_id`); otherwise the
 * default or only account, as {@link requireZoomAccount} picks it. Its credentials may be incomplete:
 * the Zoom client made for it says so.
 *
 * @example
 * const { name } = accountForZoomAccountId(config, event.payload.account_id);
 */
export function accountForZoomAccountId(config: Config, zoomAccountId?: string): NamedZoomAccount {
  if (zoomAccountId !== undefined && zoomAccountId !== "") {
    for (const [name, account] of Object.entries(config.zoom.accounts)) {
      if (account.accountId === zoomAccountId) return { name, account };
    }
  }
  return pickZoomAccount(config);
}
