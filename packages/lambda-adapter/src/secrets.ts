/**
 * The Zoom secrets of a handler, resolved once per cold start so that none has to sit in the template
 * or in plain environment variables. Each of the four names is taken from, first found wins:
 * 1. the variable itself (a plain value: local runs and tests);
 * 2. `<NAME>_PARAMETER`, the name of an SSM parameter (a SecureString) holding it;
 * 3. `ZOOM_SECRET_ID`, a Secrets Manager secret whose SecretString is a JSON object keyed by these
 *    names, optionally with `accounts` (named accounts for `zoom.accounts`, to sweep several).
 *
 * Further Zoom accounts, each with its own app and so its own webhook secret token, come from either
 * that secret's `accounts` or one SSM parameter set per account: `ZOOM_ACCOUNTS` lists the names
 * (comma-separated) and each is read from `{ZOOM_ACCOUNTS_PARAMETER_PATH}/{name}/account-id`,
 * `client-id`, `client-secret` and, optionally, `webhook-secret-token` (without one the account's
 * events are verified with ZOOM_WEBHOOK_SECRET_TOKEN).
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { GetParametersCommandOutput, SSMClient } from "@aws-sdk/client-ssm";
import { ConfigError, firstProblem, messageOf, plainSentence } from "@zrec/core/webhook";
import * as z from "zod";

export type Env = Record<string, string | undefined>;

export const ZOOM_SECRET_NAMES = [
  "ZOOM_ACCOUNT_ID",
  "ZOOM_CLIENT_ID",
  "ZOOM_CLIENT_SECRET",
  "ZOOM_WEBHOOK_SECRET_TOKEN",
] as const;
export const SECRET_ID_VARIABLE = "ZOOM_SECRET_ID";
const ACCOUNTS_VARIABLE = "ZOOM_ACCOUNTS";
const ACCOUNTS_PATH_VARIABLE = "ZOOM_ACCOUNTS_PARAMETER_PATH";

/** Each account field and the name of its parameter under `{path}/{account}/`; the last is optional. */
const ACCOUNT_PARAMETERS = [
  ["accountId", "account-id"],
  ["clientId", "client-id"],
  ["clientSecret", "client-secret"],
  ["webhookSecretToken", "webhook-secret-token"],
] as const;
const ACCOUNT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** GetParameters takes at most 10 names a call. */
const PARAMETERS_PER_CALL = 10;

/** Clients to use instead of new ones (tests); new ones follow AWS_REGION and AWS_ENDPOINT_URL_<SERVICE>. */
export interface SecretClients {
  ssm?: SSMClient;
  secretsManager?: SecretsManagerClient;
}

export interface ResolvedSecrets {
  /** `env` with every secret it points to filled in under its own name. */
  env: Env;
  /** `accounts` from the Secrets Manager secret, when it has one; core's schema checks each account. */
  accounts?: Record<string, unknown>;
}

const present = (value: string | undefined): value is string => value !== undefined && value !== "";

/**
 * @example
 * const { env } = await resolveZoomSecrets({ ZOOM_CLIENT_SECRET_PARAMETER: "/zrec/zoom/client-secret" });
 * env.ZOOM_CLIENT_SECRET; // the parameter's decrypted value
 */
export async function resolveZoomSecrets(env: Env, clients: SecretClients = {}): Promise<ResolvedSecrets> {
  const secret = present(env[SECRET_ID_VARIABLE])
    ? await readSecret(env[SECRET_ID_VARIABLE], clients)
    : undefined;
  const wanted = ZOOM_SECRET_NAMES.filter((name) => !present(env[name]) && present(env[`${name}_PARAMETER`]));
  const parameters = await readParameters(
    wanted.map((name) => ({ variable: `${name}_PARAMETER`, parameter: env[`${name}_PARAMETER`] as string })),
    clients,
  );
  const resolved: Env = { ...env };
  for (const name of ZOOM_SECRET_NAMES) {
    if (present(env[name])) continue;
    const fromParameter = parameters.get(env[`${name}_PARAMETER`] ?? "");
    const fromSecret = secret?.[name];
    if (fromParameter !== undefined) resolved[name] = fromParameter;
    else if (fromSecret !== undefined) resolved[name] = fromSecret;
  }
  const fromParameters = await readAccountParameters(env, clients);
  const accounts =
    secret?.accounts === undefined && fromParameters === undefined
      ? undefined
      : { ...secret?.accounts, ...fromParameters };
  return accounts === undefined ? { env: resolved } : { env: resolved, accounts };
}

/** The accounts named by ZOOM_ACCOUNTS, each from its own SSM parameter set; undefined when unset. */
async function readAccountParameters(
  env: Env,
  clients: SecretClients,
): Promise<Record<string, unknown> | undefined> {
  const listed = env[ACCOUNTS_VARIABLE];
  if (!present(listed) || listed.trim() === "") return undefined;
  const names = [
    ...new Set(
      listed
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== ""),
    ),
  ];
  const bad = names.find((name) => !ACCOUNT_NAME.test(name));
  if (bad !== undefined) {
    throw new ConfigError(
      ACCOUNTS_VARIABLE,
      `${ACCOUNTS_VARIABLE} names an account "${bad.slice(0, 64)}": names are letters, digits, - and _ only.`,
    );
  }
  const path = env[ACCOUNTS_PATH_VARIABLE];
  if (!present(path)) {
    throw new ConfigError(
      ACCOUNTS_PATH_VARIABLE,
      `${ACCOUNTS_VARIABLE} is set but ${ACCOUNTS_PATH_VARIABLE} is not, so the accounts' parameters cannot be found.`,
      { suggestion: `Set ${ACCOUNTS_PATH_VARIABLE} to the SSM path above each account's parameters.` },
    );
  }
  const root = path.replace(/\/+$/, "");
  const wanted = names.flatMap((name) =>
    ACCOUNT_PARAMETERS.map(([field, leaf]) => ({ name, field, parameter: `${root}/${name}/${leaf}` })),
  );
  const { values, invalid } = await getParameters(
    wanted.map((w) => w.parameter),
    clients,
  );
  const accounts: Record<string, Record<string, string>> = {};
  for (const { name, field, parameter } of wanted) {
    const value = values.get(parameter);
    if (value !== undefined) accounts[name] = { ...accounts[name], [field]: value };
    else if (field !== "webhookSecretToken" && invalid.includes(parameter)) {
      throw new ConfigError(
        ACCOUNTS_VARIABLE,
        `The SSM parameter ${parameter} of Zoom account "${name}" (named by ${ACCOUNTS_VARIABLE}) does not exist.`,
        { suggestion: "Create it with `aws ssm put-parameter --type SecureString`, or fix the variable." },
      );
    }
  }
  return accounts;
}

async function readParameters(
  wanted: { variable: string; parameter: string }[],
  clients: SecretClients,
): Promise<Map<string, string>> {
  const { values, invalid } = await getParameters(
    wanted.map((w) => w.parameter),
    clients,
  );
  const missing = wanted.find((w) => invalid.includes(w.parameter));
  if (missing) {
    throw new ConfigError(
      missing.variable,
      `The SSM parameter ${missing.parameter} named by ${missing.variable} does not exist.`,
      { suggestion: "Create it with `aws ssm put-parameter --type SecureString`, or fix the variable." },
    );
  }
  return values;
}

/** Decrypted values by name, and the names SSM does not know, in as few calls as GetParameters allows. */
async function getParameters(
  wanted: string[],
  clients: SecretClients,
): Promise<{ values: Map<string, string>; invalid: string[] }> {
  const names = [...new Set(wanted)];
  const values = new Map<string, string>();
  const invalid: string[] = [];
  if (names.length === 0) return { values, invalid };
  const { GetParametersCommand, SSMClient } = await import("./sdk/ssm.js");
  const client = clients.ssm ?? new SSMClient({});
  for (let start = 0; start < names.length; start += PARAMETERS_PER_CALL) {
    const batch = names.slice(start, start + PARAMETERS_PER_CALL);
    let answer: GetParametersCommandOutput;
    try {
      answer = await client.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
    } catch (error) {
      throw new Error(`Reading the SSM parameters ${batch.join(", ")} failed: ${messageOf(error)}`, {
        cause: error,
      });
    }
    for (const p of answer.Parameters ?? []) values.set(p.Name ?? "", p.Value ?? "");
    invalid.push(...(answer.InvalidParameters ?? []));
  }
  return { values, invalid };
}

/**
 * The Secrets Manager secret: any of the four names, and named accounts. Strict, so a misspelt name is
 * an error instead of a secret silently not found; the accounts' own fields are left to core's
 * configuration schema, which names them.
 */
const secretString = () => z.string({ error: "a string" }).optional();
const secretSchema = z.strictObject(
  {
    ZOOM_ACCOUNT_ID: secretString(),
    ZOOM_CLIENT_ID: secretString(),
    ZOOM_CLIENT_SECRET: secretString(),
    ZOOM_WEBHOOK_SECRET_TOKEN: secretString(),
    accounts: z.record(z.string(), z.unknown(), { error: "an object of named accounts" }).optional(),
  } satisfies Record<(typeof ZOOM_SECRET_NAMES)[number] | "accounts", z.ZodType>,
  { error: "a JSON object" },
);
const SECRET_KEYS = [...ZOOM_SECRET_NAMES, "accounts"];

async function readSecret(secretId: string, clients: SecretClients): Promise<z.output<typeof secretSchema>> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import("./sdk/secrets-manager.js");
  const client = clients.secretsManager ?? new SecretsManagerClient({});
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    throw new Error(`Reading the Secrets Manager secret ${secretId} failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const fail = (problem: string): never => {
    throw new ConfigError(SECRET_ID_VARIABLE, `The Secrets Manager secret ${secretId} ${problem}.`, {
      suggestion: `Store a JSON object with any of the keys ${SECRET_KEYS.join(", ")}.`,
    });
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? "");
  } catch {
    // The parse error quotes the text, which is a secret: say only what is wrong.
    return fail("is not JSON");
  }
  const result = secretSchema.safeParse(parsed);
  if (result.success) return result.data;
  // The formatter describes values by kind only: every value in here is a secret.
  const first = firstProblem(result.error.issues, parsed);
  return fail(first === undefined ? "is not valid" : `is not valid: ${plainSentence(first.problem)}`);
}
