/**
 * Secrets from the environment, so they need not sit in a configuration file: ZOOM_ACCOUNT_ID,
 * ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET fill `zoom.accounts.default`; ZOOM_WEBHOOK_SECRET_TOKEN sets
 * `zoom.webhookSecretToken`. An empty variable counts as unset.
 */
import { ConfigError } from "../errors.js";
import { isObject } from "../validation/is-object.js";

export type Env = Record<string, string | undefined>;

/** Fields of a Zoom account and the variable that may supply each. */
export const ACCOUNT_ENV = [
  ["accountId", "ZOOM_ACCOUNT_ID"],
  ["clientId", "ZOOM_CLIENT_ID"],
  ["clientSecret", "ZOOM_CLIENT_SECRET"],
] as const;

const WEBHOOK_SECRET_ENV = "ZOOM_WEBHOOK_SECRET_TOKEN";

const present = (value: string | undefined): value is string => value !== undefined && value !== "";

function list(words: string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/**
 * The merged, not yet validated configuration with the environment's secrets laid over it. Runs before
 * validation so a file may leave a secret out; a block of the wrong shape is left for the schema to
 * report. Throws ConfigError when the variables given leave the default account incomplete.
 */
export function applyEnvSecrets(
  candidate: Record<string, unknown>,
  env: Env,
  source: string,
): Record<string, unknown> {
  const given = ACCOUNT_ENV.filter(([, variable]) => present(env[variable]));
  const webhookSecret = env[WEBHOOK_SECRET_ENV];
  const zoom = candidate.zoom;
  if ((given.length === 0 && !present(webhookSecret)) || !isObject(zoom)) return candidate;

  const nextZoom: Record<string, unknown> = { ...zoom };
  if (present(webhookSecret)) nextZoom.webhookSecretToken = webhookSecret;

  const accounts = zoom.accounts;
  if (given.length > 0 && isObject(accounts)) {
    const existing = Object.hasOwn(accounts, "default") ? accounts.default : undefined;
    if (existing === undefined || isObject(existing)) {
      const account: Record<string, unknown> = { ...existing };
      for (const [field, variable] of given) account[field] = env[variable];
      // The client secret may be left out: commands that never talk to Zoom run without it.
      const missing = ACCOUNT_ENV.filter(
        ([field]) => field !== "clientSecret" && account[field] === undefined,
      );
      const first = missing[0];
      if (first) {
        const set = given.map(([, variable]) => variable);
        const unset = missing.map(([, variable]) => variable);
        throw new ConfigError(
          `zoom.accounts.default.${first[0]}`,
          `${source}: ${list(set)} ${set.length === 1 ? "is" : "are"} set but ${list(unset)} ` +
            `${unset.length === 1 ? "is" : "are"} not, and zoom.accounts.default has no ` +
            `${list(missing.map(([field]) => field))} to complete the default Zoom account`,
          { suggestion: `Set ${list(unset)} too, or add the missing keys to zoom.accounts.default.` },
        );
      }
      nextZoom.accounts = { ...accounts, default: account };
    }
  }
  return { ...candidate, zoom: nextZoom };
}
