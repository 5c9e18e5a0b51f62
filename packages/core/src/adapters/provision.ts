/**
 * Setting up and checking the configured backends (`zrec setup`, `zrec doctor`): creating what is
 * missing (folder, bucket, SQLite file, table, queue), checking the notifier without sending, and the
 * AWS credentials. Beside factory.ts, which opens them; each adapter module loads only when configured.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/types.js";
import { ErrorCode } from "../errors.js";
import { awsOptions, type CreateBackendsOptions, createIndex, resolver } from "./factory.js";
import { creatable, pathExists, setUpFolder } from "./local-folder.js";

/** What `zrec setup` found or did for one resource of a backend. */
export interface ProvisionStep {
  /** What was looked at: `bucket recordings (eu-west-1)`, `folder /srv/zrec-data`, … */
  resource: string;
  /** `updated`: an existing resource gained a setting zrec needs (the bucket's lifecycle rules). */
  outcome: "created" | "updated" | "exists" | "skipped";
  /** Why it was skipped, or a note on what exists. */
  detail?: string;
}

/**
 * Creates what the configured store needs and is missing (the folder; the bucket with its settings).
 * @example
 * await setUpStore(config.storage); // [{ resource: "folder /srv/zrec-data", outcome: "created" }]
 */
export async function setUpStore(
  storage: Config["storage"],
  options: CreateBackendsOptions = {},
): Promise<ProvisionStep[]> {
  switch (storage.type) {
    case "fs": {
      const root = resolver(options)(storage.root);
      return [{ resource: `folder ${root}`, outcome: await setUpFolder(root, ErrorCode.STORE_FAILED) }];
    }
    case "s3": {
      const { createS3Client, ensureBucket } = await import("./s3-bucket.js");
      const client = createS3Client({ forcePathStyle: storage.forcePathStyle, ...awsOptions(storage) });
      return ensureBucket(client, storage.bucket, storage.prefix).finally(() => client.destroy());
    }
  }
}

/**
 * Creates the configured index when it is missing (the SQLite file and schema; the DynamoDB table).
 * @example
 * await setUpIndex(config.index); // { resource: "SQLite database /srv/zrec-data/index.db", outcome: "exists" }
 */
export async function setUpIndex(
  index: Config["index"],
  options: CreateBackendsOptions = {},
): Promise<ProvisionStep> {
  switch (index.type) {
    case "sqlite": {
      const file = resolver(options)(index.path);
      const existed = await pathExists(file);
      // Opening creates the file and its schema, and checks an existing file is a zrec index.
      await (await createIndex(index, options)).close?.();
      return { resource: `SQLite database ${file}`, outcome: existed ? "exists" : "created" };
    }
    case "dynamodb": {
      const { createDynamoDbClient, ensureTable, RECORDING_INDEXES } = await import("./dynamodb-table.js");
      const client = createDynamoDbClient(awsOptions(index));
      const outcome = await ensureTable(client, index.table).finally(() => client.destroy());
      return { resource: `DynamoDB table ${index.table} (${RECORDING_INDEXES.length} indexes)`, outcome };
    }
  }
}

/**
 * Creates what the configured notifier needs and is missing (the outbox's folder; the SQS queue).
 * @example
 * await setUpNotifier({ type: "none" }); // { resource: "notifications", outcome: "skipped", … }
 */
export async function setUpNotifier(
  notify: Config["notify"],
  options: CreateBackendsOptions = {},
): Promise<ProvisionStep> {
  switch (notify.type) {
    case "outbox": {
      const file = resolver(options)(notify.path);
      const folder = path.dirname(file);
      const outcome = await setUpFolder(folder, ErrorCode.NOTIFY_FAILED);
      return { resource: `folder ${folder} (for ${path.basename(file)})`, outcome };
    }
    case "sqs": {
      const { createSqsClient, ensureQueue } = await import("./sqs-queue.js");
      const client = createSqsClient({ queueUrl: notify.queueUrl, ...awsOptions(notify) });
      const outcome = await ensureQueue(client, notify.queueUrl).finally(() => client.destroy());
      return { resource: `SQS queue ${notify.queueUrl}`, outcome };
    }
    case "none":
      return { resource: "notifications", outcome: "skipped", detail: "notify.type is none" };
  }
}

/**
 * Whether the configured notifier could send, without sending (a reader would act on a test message):
 * the outbox's file or folder is writable, the SQS queue's attributes can be read.
 * @returns the finding in words, or why there was nothing to check.
 * @example
 * await checkNotifier(config.notify); // "SQS queue https://…/recordings: reachable, 3 messages waiting (nothing was sent)"
 */
export async function checkNotifier(
  notify: Config["notify"],
  options: CreateBackendsOptions = {},
): Promise<string | { skipped: string }> {
  switch (notify.type) {
    case "outbox": {
      const file = resolver(options)(notify.path);
      if (await pathExists(file)) await access(file, constants.W_OK);
      return `outbox ${file}: ${await creatable(path.dirname(file))}`;
    }
    case "sqs": {
      const [{ createSqsClient }, { checkQueue }] = await Promise.all([
        import("./sqs-queue.js"),
        import("./sqs-queue-check.js"),
      ]);
      const { queueUrl } = notify;
      const client = createSqsClient({ queueUrl, ...awsOptions(notify) });
      const { waiting } = await checkQueue(client, queueUrl).finally(() => client.destroy());
      const backlog = waiting === undefined ? "" : `, ${waiting} message${waiting === 1 ? "" : "s"} waiting`;
      return `SQS queue ${queueUrl}: reachable${backlog} (nothing was sent)`;
    }
    case "none":
      return { skipped: "notify.type is none" };
  }
}

/**
 * Resolves the AWS credentials of `profile` (undefined: the SDK's default chain), as the AWS backends
 * would. Rejects with the SDK's error when there are none.
 * @example
 * await loadAwsCredentials("archive-admin");
 */
export async function loadAwsCredentials(profile: string | undefined): Promise<void> {
  const { awsClientConfig } = await import("./aws-client-config.js");
  await awsClientConfig(profile === undefined ? {} : { profile }).credentials();
}
