/**
 * A handler's configuration, from its environment only: `ZREC_CONFIG` holds what a zrec.config.json
 * would (unset: the embedded default), and the Zoom secrets come from the variables, SSM or Secrets
 * Manager (see secrets.ts). Core's loadConfig validates the result, so errors name the key at fault.
 */
import { type Config, ConfigError, isObject, loadConfig } from "@zrec/core";
import { type Env, resolveZoomSecrets, type SecretClients } from "./secrets.js";

export const CONFIG_VARIABLE = "ZREC_CONFIG";

/**
 * @example
 * const config = await loadHandlerConfig({ ZREC_CONFIG: '{"storage":{"type":"s3","bucket":"b"}}' });
 */
export async function loadHandlerConfig(env: Env, clients: SecretClients = {}): Promise<Config> {
  const raw = parseConfig(env[CONFIG_VARIABLE]);
  const { env: withSecrets, accounts } = await resolveZoomSecrets(env, clients);
  if (accounts !== undefined) {
    const zoom = isObject(raw.zoom) ? raw.zoom : {};
    const configured = isObject(zoom.accounts) ? zoom.accounts : {};
    raw.zoom = { ...zoom, accounts: { ...configured, ...accounts } };
  }
  return loadConfig(raw, { env: withSecrets, source: CONFIG_VARIABLE });
}

/**
 * The backends a Lambda can use. The bundles leave SQLite out on purpose, and a folder inside a
 * function's sandbox is gone with it, so say so instead of failing on a missing module or losing data.
 */
export function checkLambdaBackends(config: Config): void {
  checkLambdaStorage(config);
  if (config.index.type === "sqlite") {
    throw new ConfigError(
      "index.type",
      `${CONFIG_VARIABLE}: index.type "sqlite" cannot be used on Lambda (the bundles hold no SQLite).`,
      { suggestion: 'Set index to {"type":"dynamodb","table":"…"} in ZREC_CONFIG.' },
    );
  }
}

/** The storage half of checkLambdaBackends: the webhook keeps download tokens in the bucket. */
export function checkLambdaStorage(config: Pick<Config, "storage">): void {
  if (config.storage.type === "fs") {
    throw new ConfigError(
      "storage.type",
      `${CONFIG_VARIABLE}: storage.type "fs" cannot be used on Lambda, whose disk is temporary.`,
      { suggestion: 'Set storage to {"type":"s3","bucket":"…"} in ZREC_CONFIG.' },
    );
  }
}

function parseConfig(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError("", `${CONFIG_VARIABLE} is not JSON (${(error as Error).message}).`, {
      cause: error,
    });
  }
  if (!isObject(parsed)) throw new ConfigError("", `${CONFIG_VARIABLE} must hold a JSON object of settings.`);
  return parsed;
}
