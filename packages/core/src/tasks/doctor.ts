/**
 * doctor: can zrec work with this configuration? AWS credentials, each backend's reach and permissions
 * (store: write, read and delete a probe object; index: look up a random id; notifier: read the queue's
 * attributes or check the outbox folder is writable, never notify), and a Zoom OAuth token per account.
 * A check never stops the others, and none leaves anything behind or prints a secret.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { type BackendName, configuredBackends, createIndex, createStore } from "../adapters/factory.js";
import { creatable, pathExists } from "../adapters/local-folder.js";
import { checkNotifier, loadAwsCredentials } from "../adapters/provision.js";
import { requireZoomAccount } from "../config/accounts.js";
import type { Config } from "../config/types.js";
import { ErrorCode, messageOf, ZrecError } from "../errors.js";
import { doctorZoomClient, zoomAccountProbes } from "./doctor-zoom.js";

export interface DoctorCheck {
  /** `credentials`, `storage`, `index`, `notify` or `zoom.accounts.<name>`. */
  check: string;
  ok: boolean;
  /** What was found, or why it failed, in words; never a secret. */
  detail: string;
  /** True when there was nothing to check (it counts as ok). */
  skipped?: boolean;
  /**
   * True when it works today but something is missing that a later step needs (a store the first
   * ingest will create, a webhook secret `zrec serve` will ask for). It counts as ok.
   */
  warning?: boolean;
  /** What to do about a failure, when zrec knows. */
  suggestion?: string;
}

export interface DoctorOptions {
  /** Called as each check finishes. */
  onCheck?: (check: DoctorCheck) => void;
}

/** Under the store's root or prefix; a name no recording id can take. */
const DOCTOR_PREFIX = ".zrec-doctor/";

export type Outcome = string | { skipped: string } | { warning: string; suggestion: string };
type Probe = () => Promise<Outcome>;

/**
 * Runs every check in turn and returns them all; `ok` is false on any that failed.
 * @example
 * const checks = await runDoctor(config);
 * process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
 */
export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const run = async (check: string, probe: Probe) => {
    const result = await settle(check, probe);
    checks.push(result);
    options.onCheck?.(result);
    return result;
  };

  for (const [check, probe] of credentialProbes(config)) await run(check, probe);
  await run("storage", () => probeStorage(config));
  await run("index", () => probeIndex(config));
  await run("notify", () => checkNotifier(config.notify));
  const accounts = Object.entries(config.zoom.accounts);
  if (accounts.length === 0) {
    await run("zoom", async () => noZoomAccount());
    // With accounts, each account's line says which secret verifies its events.
    await run("webhook", async () => probeWebhookSecret(config));
  }
  for (const [name, account] of accounts) {
    const token = await run(`zoom.accounts.${name}`, async () => {
      requireZoomAccount(config, name);
      await doctorZoomClient(config, account).accessToken();
      return `Zoom issued an OAuth token for account ${name}`;
    });
    for (const [check, probe] of zoomAccountProbes(config, name, account, token.ok)) await run(check, probe);
  }
  return checks;
}

/** Without an account nothing can be ingested: ingest, sweep-missed and serve all need one. */
function noZoomAccount(): never {
  throw new ZrecError(
    ErrorCode.CONFIG_INVALID,
    "No Zoom account is configured, so ingest, sweep-missed and serve cannot reach Zoom",
    {
      suggestion:
        "Set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, or add zoom.accounts.default to the config file.",
    },
  );
}

/** Only `zrec serve` and the Lambda webhook verify signatures; an ingest from a file needs no secret. */
function probeWebhookSecret(config: Config): Outcome {
  if (config.zoom.webhookSecretToken !== "")
    return "zoom.webhookSecretToken is set (zrec serve can verify Zoom's webhooks)";
  return {
    warning: "no webhook secret: zrec serve and the Lambda webhook will refuse to start without one",
    suggestion:
      "Set ZOOM_WEBHOOK_SECRET_TOKEN (or zoom.webhookSecretToken) to the Secret Token of your Zoom app.",
  };
}

async function settle(check: string, probe: Probe): Promise<DoctorCheck> {
  try {
    const outcome = await probe();
    if (typeof outcome === "string") return { check, ok: true, detail: outcome };
    if ("skipped" in outcome)
      return { check, ok: true, skipped: true, detail: `skipped: ${outcome.skipped}` };
    return { check, ok: true, warning: true, detail: outcome.warning, suggestion: outcome.suggestion };
  } catch (error) {
    const suggestion = error instanceof ZrecError ? error.suggestion : undefined;
    return { check, ok: false, detail: messageOf(error), ...(suggestion ? { suggestion } : {}) };
  }
}

/** One check per distinct credential source the AWS backends use (usually one). */
function credentialProbes(config: Config): [string, Probe][] {
  const users = new Map<string | undefined, string[]>();
  for (const backend of configuredBackends(config)) {
    if (backend.place === "aws")
      users.set(backend.profile, [...(users.get(backend.profile) ?? []), backend.backend]);
  }
  if (users.size === 0) return [["credentials", async () => ({ skipped: "no AWS backend configured" })]];
  return [...users].map(([profile, backends]) => [
    "credentials",
    async () => {
      const source = profile === undefined ? "the default chain" : `profile ${profile}`;
      try {
        await loadAwsCredentials(profile);
      } catch (error) {
        throw new Error(
          `No AWS credentials from ${source} (for ${backends.join(", ")}): ${messageOf(error)}`,
        );
      }
      return `AWS credentials found in ${source} (for ${backends.join(", ")})`;
    },
  ]);
}

/** The file or folder an embedded backend lives at; undefined for AWS backends and an in-memory index. */
function localFile(config: Config, name: BackendName): string | undefined {
  const backend = configuredBackends(config).find((configured) => configured.backend === name);
  return backend?.place === "local" ? backend.file?.path : undefined;
}

function isLocal(config: Config, name: BackendName): boolean {
  return configuredBackends(config).some((backend) => backend.backend === name && backend.place === "local");
}

async function probeStorage(config: Config): Promise<Outcome> {
  const root = localFile(config, "storage");
  if (root !== undefined && !(await pathExists(root))) return missingStore(root, config);
  const store = await createStore(config.storage, { abandonedAfterDays: config.ingest.abandonedAfterDays });
  try {
    const key = `${DOCTOR_PREFIX}probe-${randomUUID()}.txt`;
    const body = `zrec doctor ${new Date().toISOString()}\n`;
    await store.put(key, body, { contentType: "text/plain" });
    try {
      const back = await store.get(key);
      if (back === undefined || Buffer.from(back).toString("utf8") !== body) {
        throw new Error(`${store.description}: ${key} read back ${back ? "different bytes" : "as missing"}`);
      }
    } finally {
      await store.delete(key);
    }
    return `${store.description}: wrote, read back and deleted ${key}`;
  } finally {
    await store.close?.();
  }
}

/**
 * A store folder that does not exist: new (the first ingest or `zrec setup` creates it), or, when the
 * index already exists, most likely a mistyped storage.root that an ingest would silently create.
 */
async function missingStore(root: string, config: Config): Promise<Outcome> {
  const indexFile = localFile(config, "index");
  const indexed = isLocal(config, "index") ? indexFile !== undefined && (await pathExists(indexFile)) : true;
  if (indexed) {
    throw new ZrecError(
      "CONFIG_INVALID",
      `folder ${root} (storage.root) does not exist, but the index does`,
      {
        suggestion:
          "Check storage.root for a typo; `zrec setup` creates an empty store if a new one is what you want.",
      },
    );
  }
  return {
    warning: await creatable(root),
    suggestion: "Nothing is archived here yet: `zrec setup` or the first `zrec ingest` creates it.",
  };
}

async function probeIndex(config: Config): Promise<string> {
  const file = localFile(config, "index");
  // Opening would create the file; a check must not.
  if (file !== undefined && !(await pathExists(file))) return creatable(path.dirname(file), file);
  const opened = await createIndex(config.index);
  try {
    await opened.get(randomUUID());
    return `${opened.description}: looked up a random recording id`;
  } finally {
    await opened.close?.();
  }
}
