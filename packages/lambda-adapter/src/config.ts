/**
 * A handler's configuration, from its environment only: `ZREC_CONFIG` holds what a zrec.config.json
 * would (unset: the embedded default), and the Zoom secrets come from the variables, SSM or Secrets
 * Manager (see secrets.ts). Core's loadConfig validates the result, so errors name the key at fault.
 */
import {
  type BackendName,
  type Config,
  ConfigError,
  configuredBackends,
  isObject,
  loadConfig,
} from "@zrec/core/webhook";
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

/** What to configure instead of a backend that cannot run on Lambda. */
const AWS_INSTEAD: Partial<Record<BackendName, string>> = {
  storage: '{"type":"s3","bucket":"…"}',
  index: '{"type":"dynamodb","table":"…"}',
};

/**
 * The backends a Lambda can use: a store or index on the function's own disk (or in its memory) is gone
 * with the sandbox, and the bundles leave SQLite out on purpose, so say so instead of failing on a
 * missing module or losing data. `only` narrows the check (the webhook uses the store alone).
 * @throws ConfigError naming the key (`storage.type`, `index.type`).
 */
export function checkLambdaBackends(config: Config, only?: BackendName): void {
  for (const backend of configuredBackends(config)) {
    const instead = AWS_INSTEAD[backend.backend];
    if (backend.place !== "local" || instead === undefined) continue;
    if (only !== undefined && backend.backend !== only) continue;
    const key = `${backend.backend}.type`;
    throw new ConfigError(
      key,
      `${CONFIG_VARIABLE}: ${key} "${backend.type}" cannot be used on Lambda: it keeps its data on the function's own disk, which is temporary (and the bundles hold no SQLite).`,
      { suggestion: `Set ${backend.backend} to ${instead} in ZREC_CONFIG.` },
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
