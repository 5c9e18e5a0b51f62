/**
 * The notifier on SQS: one message per notification, whose body is the recording document itself,
 * which is what the existing website builders read from the queue.
 */
import { randomUUID } from "node:crypto";
import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from "@aws-sdk/client-sqs";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { Notification, Notifier } from "../ports.js";
import type { AwsBackendOptions } from "./aws-client-config.js";
import { createSqsClient, isMissingQueue } from "./sqs-queue.js";

export type SqsNotifierOptions = ({ client: SQSClient } | AwsBackendOptions) & {
  /** The queue's URL, e.g. `https://sqs.us-east-1.amazonaws.com/123456789012/recordings`. */
  queueUrl: string;
};

/**
 * Sends each notification as an SQS message: body = the document as JSON, message attributes `event`
 * (ingested | reindexed | deleted), `recording_id` and `notification_id` (the notification's id, or a
 * fresh one): a standard queue delivers at least once anyway, so its consumers drop ids they have seen.
 * On a FIFO queue (URL ending in `.fifo`), messages of one recording share a group, so they arrive in
 * order, and the notification id is the deduplication id, so a re-run of the same step within SQS's
 * five-minute window does not announce the same content twice.
 * @example
 * const notifier = createSqsNotifier({ queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/recordings" });
 * await notifier.send({ event: "ingested", document });
 * await notifier.close?.();
 */
export function createSqsNotifier(options: SqsNotifierOptions): Notifier {
  const { queueUrl } = options;
  const description = `SQS queue ${queueUrl}`;
  const owned = "client" in options ? undefined : createSqsClient(options);
  const client = "client" in options ? options.client : (owned as SQSClient);
  const fifo = queueUrl.endsWith(".fifo");

  return {
    description,

    async send({ event, document, id = randomUUID() }: Notification) {
      const input: SendMessageCommandInput = {
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(document),
        MessageAttributes: {
          event: { DataType: "String", StringValue: event },
          recording_id: { DataType: "String", StringValue: document.recording_id },
          notification_id: { DataType: "String", StringValue: id },
        },
      };
      if (fifo) {
        input.MessageGroupId = document.recording_id;
        input.MessageDeduplicationId = id;
      }
      try {
        await client.send(new SendMessageCommand(input));
      } catch (error) {
        const action = `sending ${event} of recording ${document.recording_id}`;
        if (isMissingQueue(error)) {
          throw new BackendError(
            ErrorCode.NOTIFY_FAILED,
            `${description}: ${action} failed: the queue does not exist.`,
            {
              cause: error,
              suggestion: "Run `zrec setup` to create it, or check notify.queueUrl and notify.region.",
            },
          );
        }
        throw new BackendError(
          ErrorCode.NOTIFY_FAILED,
          `${description}: ${action} failed: ${messageOf(error)}`,
          {
            cause: error,
          },
        );
      }
    },

    async close() {
      owned?.destroy();
    },
  };
}
