/**
 * Secrets from the environment, so they need not sit in a configuration file: ZOOM_ACCOUNT_ID,
 * ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET fill `zoom.accounts.default`; ZOOM_WEBHOOK_SECRET_TOKEN sets
 * `zoom.webhookSecretToken`. An empty variable counts as unset.
 */
import { ConfigError } from "../errors.js";
import { closestName } from "../validation/closest.js";
import { isObject } from "../validation/is-object.js";

export type Env = Record<string, string | undefined>;

/** Fields of a Zoom account and the variable that may supply each. */
export const ACCOUNT_ENV = [
  ["accountId", "ZOOM_ACCOUNT_ID"],
  ["clientId", "ZOOM_CLIENT_ID"],
  ["clientSecret", "ZOOM_CLIENT_SECRET"],
] as const;

export type AccountField = (typeof ACCOUNT_ENV)[number][0];

const WEBHOOK_SECRET_ENV = "ZOOM_WEBHOOK_SECRET_TOKEN";

const present = (value: string | undefined): value is string => value !== undefined && value !== "";

function list(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/**
 * The default account as the variables left it: some of ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and
 * ZOOM_CLIENT_SECRET set, and neither they nor the file give `missing`.
 */
export interface IncompleteEnvAccount {
  /** The fields the variables set. */
  set: AccountField[];
  /** accountId and/or clientId: what neither the variables nor the file give. */
  missing: AccountField[];
  /** True when the file has a `zoom.accounts.default` of its own (which then lacks `missing`). */
  inFile: boolean;
  /** The account as far as it goes: the file's fields (if any) with the variables' laid over them. */
  account: Record<string, unknown>;
  /** The other accounts the configuration names, for "did you mean". */
  otherNames: string[];
}

export interface EnvSecretsResult {
  /** The candidate with the variables laid over it; without the default account when it is incomplete and the file has none. */
  candidate: Record<string, unknown>;
  incomplete?: IncompleteEnvAccount;
}

/**
 * The merged, not yet validated configuration with the environment's secrets laid over it. Runs before
 * validation so a file may leave a secret out; a block of the wrong shape is left for the schema to
 * report. Never throws: when the variables given leave the default account incomplete, `incomplete`
 * says how, and loadConfig decides (the file's own mistakes are reported first, see load.ts).
 */
export function applyEnvSecrets(candidate: Record<string, unknown>, env: Env): EnvSecretsResult {
  const given = ACCOUNT_ENV.filter(([, variable]) => present(env[variable]));
  const webhookSecret = env[WEBHOOK_SECRET_ENV];
  const zoom = candidate.zoom;
  if ((given.length === 0 && !present(webhookSecret)) || !isObject(zoom)) return { candidate };

  const nextZoom: Record<string, unknown> = { ...zoom };
  if (present(webhookSecret)) nextZoom.webhookSecretToken = webhookSecret;

  let incomplete: IncompleteEnvAccount | undefined;
  const accounts = zoom.accounts;
  if (given.length > 0 && isObject(accounts)) {
    const existing = Object.hasOwn(accounts, "default") ? accounts.default : undefined;
    if (existing === undefined || isObject(existing)) {
      const account: Record<string, unknown> = { ...existing };
      for (const [field, variable] of given) account[field] = env[variable];
      // The client secret may be left out: commands that never talk to Zoom run without it.
      const missing = ACCOUNT_ENV.filter(
        ([field]) => field !== "clientSecret" && account[field] === undefined,
      ).map(([field]) => field);
      if (missing.length === 0) {
        nextZoom.accounts = { ...accounts, default: account };
      } else {
        incomplete = {
          set: given.map(([field]) => field),
          missing,
          inFile: existing !== undefined,
          account,
          otherNames: Object.keys(accounts).filter((name) => name !== "default"),
        };
        // The file's own account stays for the schema to judge; an account made of variables alone
        // is left out, so that its absence is not mistaken for a mistake of the file.
        if (existing !== undefined) nextZoom.accounts = { ...accounts, default: account };
      }
    }
  }
  return { candidate: { ...candidate, zoom: nextZoom }, ...(incomplete && { incomplete }) };
}

const variableOf = (field: AccountField) => ACCOUNT_ENV.find(([name]) => name === field)?.[1] ?? field;

/**
 * The sentence for a default account the variables leave incomplete. `source` (the configuration's
 * name) starts it when known. When another account's name is close to "default" ("Default",
 * "defualt"), the suggestion says so: that typo is the likelier cause.
 * @example
 * incompleteAccountError({ set: ["clientSecret"], missing: ["accountId", "clientId"], otherNames: [] }, "zrec.config.json");
 * // zrec.config.json: ZOOM_CLIENT_SECRET is set but ZOOM_ACCOUNT_ID and ZOOM_CLIENT_ID are not, …
 */
export function incompleteAccountError(
  incomplete: Pick<IncompleteEnvAccount, "set" | "missing" | "otherNames">,
  source?: string,
): ConfigError {
  const set = incomplete.set.map(variableOf);
  const unset = incomplete.missing.map(variableOf);
  const first = incomplete.missing[0] ?? "accountId";
  const typo = closestName("default", incomplete.otherNames);
  const suggestion =
    typo === undefined
      ? `Set ${list(unset)} too, or add the missing keys to zoom.accounts.default.`
      : `The configuration has an account named "${typo}": did you mean "default"? (Account names are case-sensitive; the variables fill "default".)`;
  return new ConfigError(
    `zoom.accounts.default.${first}`,
    `${source === undefined ? "" : `${source}: `}${list(set)} ${set.length === 1 ? "is" : "are"} set but ` +
      `${list(unset)} ${unset.length === 1 ? "is" : "are"} not, and zoom.accounts.default has no ` +
      `${list(incomplete.missing)} to complete the default Zoom account`,
    { suggestion },
  );
}
