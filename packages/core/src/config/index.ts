/** The typed configuration: loading and validation, defaults, secrets from the environment, accounts. */
export { accountForZoomAccountId, type NamedZoomAccount, requireZoomAccount } from "./accounts.js";
export { defaultConfig } from "./defaults.js";
export { type LoadConfigOptions, loadConfig } from "./load.js";
export type * from "./types.js";
export { WEBHOOK_SECRET_KEYS, type WebhookSecrets, webhookSecrets } from "./webhook-secrets.js";
