/** Which configuration values are secret. */

/**
 * True for a key whose value must never be echoed. The whole `zoom.accounts` subtree counts: a value
 * put one level too high (`"default": "<the secret>"`) is still a secret.
 */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  if (path[0] !== "zoom") return false;
  return path[1] === "accounts" || path[1] === "webhookSecretToken";
}
