/** Which configuration values are secret, and a copy of a Config safe to print. */
import type { Config } from "./types.js";

export const REDACTED = "***";

/**
 * True for a key whose value must never be echoed. The whole `zoom.accounts` subtree counts: a value
 * put one level too high (`"default": "<the secret>"`) is still a secret.
 */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  if (path[0] !== "zoom") return false;
  return path[1] === "accounts" || path[1] === "webhookSecretToken";
}

const redact = (value: string) => (value === "" ? "" : REDACTED);

/**
 * A copy of `config` with every client secret and the webhook secret token replaced by `***`, for
 * `zrec doctor` and `--verbose`. An empty secret stays empty so the output still shows it is not set.
 *
 * @example
 * console.log(JSON.stringify(redactConfig(config), null, 2));
 */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  for (const account of Object.values(copy.zoom.accounts)) {
    account.clientSecret = redact(account.clientSecret);
    if (account.webhookSecretToken !== undefined)
      account.webhookSecretToken = redact(account.webhookSecretToken);
  }
  copy.zoom.webhookSecretToken = redact(copy.zoom.webhookSecretToken);
  return copy;
}
