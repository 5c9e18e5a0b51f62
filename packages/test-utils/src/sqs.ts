/**
 * A small SQS for tests: an HTTP server on 127.0.0.1 (a free port) that answers the AWS JSON 1.0
 * protocol the SDK's SQS client speaks, so the SQS notifier and `ensureQueue` run through the real
 * client, signing and MD5 checks included. No SQS emulator on npm runs on Node 20, and a mocked HTTP
 * layer (nock) tests only the requests a test expects.
 *
 * What it does as SQS documents it: CreateQueue (FIFO by a `.fifo` name), GetQueueUrl,
 * GetQueueAttributes (ApproximateNumberOfMessages), SendMessage (MD5OfMessageBody; on a FIFO queue
 * MessageGroupId is required and a MessageDeduplicationId seen in the last five minutes is accepted but
 * not queued; on a standard queue both are refused), ReceiveMessage and DeleteMessage. Not checked:
 * signatures, visibility timeouts, message attribute MD5s.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { SQSClient } from "@aws-sdk/client-sqs";
import { closerOf, listenOnLoopback } from "./loopback-server.js";

export const SQS_REGION = "us-east-1";
/** The account in the queue URLs this server makes. */
export const SQS_ACCOUNT = "000000000000";
const DEDUPLICATION_MS = 5 * 60_000;

/** A message as a consumer would receive it. */
export interface SqsMessage {
  messageId: string;
  body: string;
  /** String attributes by name. */
  attributes: Record<string, string>;
  groupId?: string;
}

export interface RunningSqs {
  /** `http://127.0.0.1:{port}`: a client's `endpoint`, and the origin of its queue URLs. */
  readonly endpoint: string;
  readonly region: string;
  /** A new client for this server (dummy credentials, no retries); destroyed by `close()`. */
  client(): SQSClient;
  /** The URL of queue `name` (whether or not it exists yet). */
  queueUrl(name: string): string;
  createQueue(name: string): Promise<string>;
  /** The messages queue `name` holds, oldest first, without receiving them. */
  messages(name: string): SqsMessage[];
  close(): Promise<void>;
}

interface Queue {
  fifo: boolean;
  messages: SqsMessage[];
  /** Deduplication id -> when it was first accepted (ms). */
  seen: Map<string, number>;
}

class SqsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly queryError?: string,
  ) {
    super(message);
  }
}

type Input = Record<string, unknown>;

/**
 * Starts the server.
 * @example
 * const sqs = await startSqs();
 * const queueUrl = await sqs.createQueue("recordings.fifo");
 * await createSqsNotifier({ client: sqs.client(), queueUrl }).send({ event: "ingested", document });
 * expect(sqs.messages("recordings.fifo")).toHaveLength(1);
 */
export async function startSqs(): Promise<RunningSqs> {
  const queues = new Map<string, Queue>();
  const clients: SQSClient[] = [];
  let endpoint = "";
  const queueUrl = (name: string) => `${endpoint}/${SQS_ACCOUNT}/${name}`;

  function queueAt(url: unknown): [string, Queue] {
    const name = String(url).split("/").at(-1) ?? "";
    const queue = queues.get(name);
    if (String(url) !== queueUrl(name) || queue === undefined) {
      throw new SqsFault(
        "QueueDoesNotExist",
        "The specified queue does not exist.",
        "AWS.SimpleQueueService.NonExistentQueue;Sender",
      );
    }
    return [name, queue];
  }

  function createQueue(name: string): string {
    if (!queues.has(name)) queues.set(name, { fifo: name.endsWith(".fifo"), messages: [], seen: new Map() });
    return queueUrl(name);
  }

  function sendMessage(input: Input) {
    const [, queue] = queueAt(input.QueueUrl);
    const body = String(input.MessageBody ?? "");
    const groupId = input.MessageGroupId as string | undefined;
    const dedupId = input.MessageDeduplicationId as string | undefined;
    if (queue.fifo !== (groupId !== undefined) || (!queue.fifo && dedupId !== undefined)) {
      throw new SqsFault(
        "InvalidParameterValue",
        queue.fifo
          ? "The request must contain the parameter MessageGroupId."
          : "The request include parameter that is not valid for this queue type.",
      );
    }
    const messageId = randomUUID();
    const now = Date.now();
    const key = dedupId ?? createHash("sha256").update(body).digest("hex");
    const firstSeen = queue.seen.get(key);
    if (!queue.fifo || firstSeen === undefined || now - firstSeen > DEDUPLICATION_MS) {
      if (queue.fifo) queue.seen.set(key, now);
      const attributes: Record<string, string> = {};
      for (const [attribute, value] of Object.entries((input.MessageAttributes ?? {}) as Input)) {
        attributes[attribute] = String((value as { StringValue?: unknown }).StringValue);
      }
      queue.messages.push({ messageId, body, attributes, ...(groupId === undefined ? {} : { groupId }) });
    }
    return { MessageId: messageId, MD5OfMessageBody: md5(body) };
  }

  const operations: Record<string, (input: Input) => object> = {
    CreateQueue: (input) => ({ QueueUrl: createQueue(String(input.QueueName)) }),
    GetQueueUrl: (input) => {
      const url = queueUrl(String(input.QueueName));
      queueAt(url);
      return { QueueUrl: url };
    },
    GetQueueAttributes: (input) => ({
      Attributes: { ApproximateNumberOfMessages: String(queueAt(input.QueueUrl)[1].messages.length) },
    }),
    SendMessage: sendMessage,
    ReceiveMessage: (input) => {
      const [, queue] = queueAt(input.QueueUrl);
      const taken = queue.messages.slice(0, Number(input.MaxNumberOfMessages ?? 1));
      return {
        Messages: taken.map((message) => ({
          MessageId: message.messageId,
          ReceiptHandle: message.messageId,
          Body: message.body,
          MD5OfBody: md5(message.body),
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
          ),
        })),
      };
    },
    DeleteMessage: (input) => {
      const [, queue] = queueAt(input.QueueUrl);
      queue.messages = queue.messages.filter((message) => message.messageId !== input.ReceiptHandle);
      return {};
    },
  };

  const server = createServer((request, response) => {
    readBody(request)
      .then((text) => {
        const operation = String(request.headers["x-amz-target"] ?? "").replace(/^AmazonSQS\./, "");
        const run = operations[operation];
        if (run === undefined)
          throw new SqsFault("UnsupportedOperation", `${operation} is not supported here.`);
        reply(response, 200, run(text ? (JSON.parse(text) as Input) : {}));
      })
      .catch((error: unknown) => {
        const fault = error instanceof SqsFault ? error : new SqsFault("InternalError", String(error));
        const headers: Record<string, string> = fault.queryError
          ? { "x-amzn-query-error": fault.queryError }
          : {};
        reply(response, 400, { __type: `com.amazonaws.sqs#${fault.type}`, message: fault.message }, headers);
      });
  });
  endpoint = await listenOnLoopback(server);

  return {
    endpoint,
    region: SQS_REGION,
    client() {
      const client = new SQSClient({
        endpoint,
        region: SQS_REGION,
        credentials: { accessKeyId: "sqs", secretAccessKey: "sqs" },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    queueUrl,
    createQueue: async (name) => createQueue(name),
    messages: (name) => [...(queues.get(name)?.messages ?? [])],
    close: closerOf(server, clients),
  };
}

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.0", ...headers });
  response.end(JSON.stringify(body));
}
