/**
 * Whether the configured SQS queue can be reached with the credentials in use, without sending anything
 * to it (a website builder would act on a test message). Loaded only by `zrec doctor` for `notify.type` sqs.
 */
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import { isMissingQueue } from "./sqs-queue.js";

export interface QueueState {
  /** SQS's ApproximateNumberOfMessages: messages waiting for the website builder. */
  waiting?: number;
}

/**
 * Reads the queue's attributes (GetQueueAttributes needs `sqs:GetQueueAttributes`; sending needs
 * `sqs:SendMessage`, which no read can prove, so a success here shows reach, not every permission).
 * @throws BackendError (NOTIFY_FAILED) naming the queue.
 * @example
 * const { waiting } = await checkQueue(createSqsClient({ queueUrl }), queueUrl);
 */
export async function checkQueue(client: SQSClient, queueUrl: string): Promise<QueueState> {
  try {
    const output = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    const waiting = Number(output.Attributes?.ApproximateNumberOfMessages);
    return Number.isFinite(waiting) ? { waiting } : {};
  } catch (error) {
    throw new BackendError(
      ErrorCode.NOTIFY_FAILED,
      `SQS queue ${queueUrl}: GetQueueAttributes failed: ${messageOf(error)}`,
      {
        cause: error,
        ...(isMissingQueue(error)
          ? { suggestion: "Run `zrec setup` to create it, or correct notify.queueUrl." }
          : {}),
      },
    );
  }
}
