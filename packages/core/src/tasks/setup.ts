/**
 * setup: creates what the configured backends need and is missing: the bucket (public access blocked,
 * SSE-S3), the DynamoDB table with its indexes, the SQS queue; for the embedded backends the data
 * folder, the SQLite database and the outbox's folder. Existing resources are reported and left alone,
 * so running it again changes nothing. AWS adapters are imported only for the backends configured.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/types.js";
import { BackendError, ErrorCode, messageOf } from "../errors.js";

export type SetupOutcome = "created" | "updated" | "exists" | "skipped";

export interface SetupStep {
  backend: "storage" | "index" | "notify";
  /** What was looked at: `bucket recordings (eu-west-1)`, `folder /srv/zrec-data`, … */
  resource: string;
  outcome: SetupOutcome;
  /** Why it was skipped, or a note on what exists. */
  detail?: string;
}

export interface SetupOptions {
  /** Called as each step finishes, so a person sees progress before a later step fails. */
  onStep?: (step: SetupStep) => void;
}

/**
 * Sets up storage, then index, then notify. Stops at the first failure, which names the backend.
 * @throws BackendError naming the folder, bucket, table or queue at fault.
 * @example
 * const steps = await setupBackends(config);
 * // [{ backend: "storage", resource: "bucket recordings (us-east-1)", outcome: "created" }, …]
 */
export async function setupBackends(
  config: Pick<Config, "storage" | "index" | "notify">,
  options: SetupOptions = {},
): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  const record = (step: SetupStep) => {
    steps.push(step);
    options.onStep?.(step);
  };
  for (const step of await setupStorage(config.storage)) record(step);
  record(await setupIndex(config.index));
  record(await setupNotify(config.notify));
  return steps;
}

async function setupStorage(storage: Config["storage"]): Promise<SetupStep[]> {
  if (storage.type === "fs") {
    const outcome = await makeFolder(storage.root, ErrorCode.STORE_FAILED);
    return [{ backend: "storage", resource: `folder ${storage.root}`, outcome }];
  }
  const { createS3Client, ensureBucket } = await import("../adapters/s3-bucket.js");
  const { bucket, prefix, region, endpoint, profile, forcePathStyle } = storage;
  const client = createS3Client({ region, endpoint, profile, forcePathStyle });
  try {
    const steps = await ensureBucket(client, bucket, prefix);
    return steps.map((step) => ({ backend: "storage", ...step }));
  } finally {
    client.destroy();
  }
}

async function setupIndex(index: Config["index"]): Promise<SetupStep> {
  if (index.type === "sqlite") {
    const existed = existsSync(index.path);
    const { createSqliteIndex } = await import("../adapters/sqlite-index.js");
    // Opening creates the file and its schema, and checks an existing file is a zrec index.
    await createSqliteIndex({ path: index.path }).close?.();
    return {
      backend: "index",
      resource: `SQLite database ${index.path}`,
      outcome: existed ? "exists" : "created",
    };
  }
  const { createDynamoDbClient, ensureTable, RECORDING_INDEXES } = await import(
    "../adapters/dynamodb-table.js"
  );
  const { table, region, endpoint, profile } = index;
  const client = createDynamoDbClient({ region, endpoint, profile });
  try {
    const outcome = await ensureTable(client, index.table);
    const resource = `DynamoDB table ${table} (${RECORDING_INDEXES.length} indexes)`;
    return { backend: "index", resource, outcome };
  } finally {
    client.destroy();
  }
}

async function setupNotify(notify: Config["notify"]): Promise<SetupStep> {
  switch (notify.type) {
    case "none":
      return {
        backend: "notify",
        resource: "notifications",
        outcome: "skipped",
        detail: "notify.type is none",
      };
    case "outbox": {
      const folder = path.dirname(notify.path);
      const outcome = await makeFolder(folder, ErrorCode.NOTIFY_FAILED);
      return { backend: "notify", resource: `folder ${folder} (for ${path.basename(notify.path)})`, outcome };
    }
    case "sqs": {
      const { createSqsClient, ensureQueue } = await import("../adapters/sqs-queue.js");
      const { queueUrl, region, endpoint, profile } = notify;
      const client = createSqsClient({ queueUrl, region, endpoint, profile });
      try {
        const outcome = await ensureQueue(client, queueUrl);
        return { backend: "notify", resource: `SQS queue ${queueUrl}`, outcome };
      } finally {
        client.destroy();
      }
    }
  }
}

async function makeFolder(folder: string, code: ErrorCode): Promise<"created" | "exists"> {
  try {
    // mkdir tells whether it made anything: the first folder it created, or undefined.
    return (await mkdir(folder, { recursive: true })) === undefined ? "exists" : "created";
  } catch (error) {
    throw new BackendError(code, `Folder ${folder} could not be created: ${messageOf(error)}.`, {
      cause: error,
    });
  }
}
