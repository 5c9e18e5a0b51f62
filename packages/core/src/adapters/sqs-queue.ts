/**
 * The SQS queue website builders read: building a client for a queue URL, and making sure the queue
 * exists (`zrec setup`).
 */
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import { type AwsBackendOptions, awsClientConfig } from "./aws-client-config.js";

/**
 * An SQS client for `notify.queueUrl`; the caller destroys it. Without a region, the one in an AWS
 * queue URL (`https://sqs.eu-west-1.amazonaws.com/…`) is used; without an endpoint, a queue URL that is
 * not AWS's (LocalStack, ElasticMQ) is its own endpoint, so that GetQueueUrl and CreateQueue, which
 * carry no queue URL, go to the same server as SendMessage.
 * @example
 * const client = createSqsClient({ queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/recordings" });
 */
export function createSqsClient(options: AwsBackendOptions & { queueUrl: string }): SQSClient {
  const url = parseQueueUrl(options.queueUrl);
  const onAws = url !== undefined && /\.amazonaws\.com(\.cn)?$/.test(url.hostname);
  const region = options.region ?? (onAws ? regionOf(url.hostname) : undefined);
  const endpoint = options.endpoint ?? (url !== undefined && !onAws ? url.origin : undefined);
  return new SQSClient(
    awsClientConfig({
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
    }),
  );
}

/**
 * Creates the queue `queueUrl` names when it is missing (a FIFO queue when the name ends in `.fifo`).
 * An existing queue is left as it is.
 *
 * @returns "created" when this call made the queue, "exists" when it was there already.
 * @throws BackendError (NOTIFY_FAILED) naming the queue: on an AWS error, or when the queue was
 *   created at another URL than the configured one (another account), which sends would not reach.
 * @example
 * await ensureQueue(client, "https://sqs.us-east-1.amazonaws.com/123456789012/recordings.fifo");
 */
export async function ensureQueue(client: SQSClient, queueUrl: string): Promise<"created" | "exists"> {
  const description = `SQS queue ${queueUrl}`;
  const url = parseQueueUrl(queueUrl);
  const segments = url?.pathname.split("/").filter(Boolean) ?? [];
  const name = segments.at(-1);
  const account = segments.length >= 2 ? segments.at(-2) : undefined;
  if (url === undefined || name === undefined) {
    throw new BackendError(ErrorCode.NOTIFY_FAILED, `${description} is not a queue URL.`, {
      suggestion:
        "Set notify.queueUrl to a URL like https://sqs.us-east-1.amazonaws.com/123456789012/recordings.",
    });
  }
  const awsAccount = account !== undefined && /^\d{12}$/.test(account) ? account : undefined;

  try {
    await client.send(
      new GetQueueUrlCommand({
        QueueName: name,
        ...(awsAccount === undefined ? {} : { QueueOwnerAWSAccountId: awsAccount }),
      }),
    );
    return "exists";
  } catch (error) {
    if (!isMissingQueue(error)) throw fail(description, "looking up the queue", error);
  }

  let created: string | undefined;
  try {
    const output = await client.send(
      new CreateQueueCommand({
        QueueName: name,
        ...(name.endsWith(".fifo") ? { Attributes: { FifoQueue: "true" } } : {}),
      }),
    );
    created = output.QueueUrl;
  } catch (error) {
    throw fail(description, "creating the queue", error);
  }
  const createdAccount = parseQueueUrl(created ?? "")
    ?.pathname.split("/")
    .filter(Boolean)
    .at(-2);
  if (awsAccount !== undefined && createdAccount !== undefined && createdAccount !== awsAccount) {
    throw new BackendError(
      ErrorCode.NOTIFY_FAILED,
      `${description} belongs to account ${awsAccount}, but the credentials in use created ${created} instead.`,
      { suggestion: "Set notify.queueUrl to the created queue, or use credentials of the queue's account." },
    );
  }
  return "created";
}

/** True for the error SQS gives for a queue that does not exist, in its JSON and its query form. */
export function isMissingQueue(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  return (
    error.name === "QueueDoesNotExist" ||
    error.name === "AWS.SimpleQueueService.NonExistentQueue" ||
    code === "AWS.SimpleQueueService.NonExistentQueue"
  );
}

function fail(description: string, action: string, cause: unknown): BackendError {
  return new BackendError(ErrorCode.NOTIFY_FAILED, `${description}: ${action} failed: ${messageOf(cause)}`, {
    cause,
  });
}

function parseQueueUrl(queueUrl: string): URL | undefined {
  try {
    return new URL(queueUrl);
  } catch {
    return undefined;
  }
}

/** `sqs.eu-west-1.amazonaws.com` and the legacy `eu-west-1.queue.amazonaws.com` both name the region. */
function regionOf(hostname: string): string | undefined {
  return /^(?:sqs\.)?([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)\./.exec(hostname)?.[1];
}
