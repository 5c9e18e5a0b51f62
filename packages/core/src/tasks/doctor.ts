/**
 * doctor: can zrec work with this configuration? AWS credentials, each backend's reach and permissions
 * (store: write, read and delete a probe object; index: look up a random id; notifier: read the queue's
 * attributes or check the outbox folder is writable, never notify), and a Zoom OAuth token per account.
 * A check never stops the others, and none leaves anything behind or prints a secret.
 */
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { requireZoomAccount } from "../config/accounts.js";
import type { Config } from "../config/types.js";
import { ErrorCode, messageOf, ZrecError } from "../errors.js";
import type { ObjectStore, RecordingIndex } from "../ports.js";
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
export const DOCTOR_PREFIX = ".zrec-doctor/";

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
  await run("storage", () => probeStorage(config.storage, config.index));
  await run("index", () => probeIndex(config.index));
  await run("notify", () => probeNotify(config.notify));
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
  const { storage, index, notify } = config;
  if (storage.type === "s3") users.set(storage.profile, ["storage"]);
  if (index.type === "dynamodb") users.set(index.profile, [...(users.get(index.profile) ?? []), "index"]);
  if (notify.type === "sqs") users.set(notify.profile, [...(users.get(notify.profile) ?? []), "notify"]);
  if (users.size === 0) return [["credentials", async () => ({ skipped: "no AWS backend configured" })]];
  return [...users].map(([profile, backends]) => [
    "credentials",
    async () => {
      const { awsClientConfig } = await import("../adapters/aws-client-config.js");
      const source = profile === undefined ? "the default chain" : `profile ${profile}`;
      try {
        await awsClientConfig(profile === undefined ? {} : { profile }).credentials();
      } catch (error) {
        throw new Error(
          `No AWS credentials from ${source} (for ${backends.join(", ")}): ${messageOf(error)}`,
        );
      }
      return `AWS credentials found in ${source} (for ${backends.join(", ")})`;
    },
  ]);
}

async function probeStorage(storage: Config["storage"], index: Config["index"]): Promise<Outcome> {
  let store: ObjectStore;
  if (storage.type === "fs") {
    if (!(await exists(storage.root))) return missingStore(storage.root, index);
    const { createFsStore } = await import("../adapters/fs-store.js");
    store = createFsStore({ root: storage.root });
  } else {
    const { createS3Store } = await import("../adapters/s3-store.js");
    const { bucket, prefix, region, endpoint, profile, forcePathStyle } = storage;
    store = createS3Store({ bucket, prefix, region, endpoint, profile, forcePathStyle });
  }
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
async function missingStore(root: string, index: Config["index"]): Promise<Outcome> {
  const indexed = index.type === "dynamodb" || (index.path !== ":memory:" && (await exists(index.path)));
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

async function probeIndex(index: Config["index"]): Promise<string> {
  let opened: RecordingIndex;
  if (index.type === "sqlite") {
    // Opening would create the file; a check must not.
    if (!(await exists(index.path))) return creatable(path.dirname(index.path), index.path);
    const { createSqliteIndex } = await import("../adapters/sqlite-index.js");
    opened = createSqliteIndex({ path: index.path });
  } else {
    const { createDynamoDbIndex } = await import("../adapters/dynamodb-index.js");
    const { table, region, endpoint, profile } = index;
    opened = createDynamoDbIndex({ table, region, endpoint, profile });
  }
  try {
    await opened.get(randomUUID());
    return `${opened.description}: looked up a random recording id`;
  } finally {
    await opened.close?.();
  }
}

async function probeNotify(notify: Config["notify"]): Promise<string | { skipped: string }> {
  switch (notify.type) {
    case "none":
      return { skipped: "notify.type is none" };
    case "outbox": {
      if (await exists(notify.path)) await access(notify.path, constants.W_OK);
      return `outbox ${notify.path}: ${await creatable(path.dirname(notify.path))}`;
    }
    case "sqs": {
      const [{ createSqsClient }, { checkQueue }] = await Promise.all([
        import("../adapters/sqs-queue.js"),
        import("../adapters/sqs-queue-check.js"),
      ]);
      const { queueUrl, region, endpoint, profile } = notify;
      const client = createSqsClient({ queueUrl, region, endpoint, profile });
      try {
        const { waiting } = await checkQueue(client, queueUrl);
        const backlog =
          waiting === undefined ? "" : `, ${waiting} message${waiting === 1 ? "" : "s"} waiting`;
        return `SQS queue ${queueUrl}: reachable${backlog} (nothing was sent)`;
      } finally {
        client.destroy();
      }
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)),
  );
}

/**
 * That `folder` is writable, or, while it does not exist yet, that its nearest existing parent is, so the
 * first write can create it. `what` names the file to come, when the check is for one.
 */
async function creatable(folder: string, what?: string): Promise<string> {
  let dir = folder;
  while (!(await exists(dir))) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is a file, not a folder`);
  await access(dir, constants.W_OK).catch(() => {
    throw new Error(`folder ${dir} is not writable`);
  });
  const missing = what ?? folder;
  return dir === folder && what === undefined
    ? `folder ${folder} is writable`
    : `${missing} does not exist yet (zrec setup creates it; ${dir} is writable)`;
}
