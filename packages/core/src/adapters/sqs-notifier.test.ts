import { createHash } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import { describeNotifier, indexedDocument } from "@zrec/test-utils/conformance";
import { startSqs } from "@zrec/test-utils/sqs";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { BackendError } from "../errors.js";
import { documentContentHash, type RecordingDocument } from "../recording/document.js";
import { notificationId } from "../recording/notification-id.js";
import { createSqsNotifier } from "./sqs-notifier.js";
import { createSqsClient, ensureQueue } from "./sqs-queue.js";

const ENDPOINT = "http://127.0.0.1:9324";
const QUEUE = `${ENDPOINT}/000000000000/recordings`;
const FIFO_QUEUE = `${ENDPOINT}/000000000000/recordings.fifo`;
const JSON_1_0 = { "content-type": "application/x-amz-json-1.0" };

const doc = indexedDocument;

for (const queue of ["recordings", "recordings.fifo"]) {
  describeNotifier(`SQS (${queue.endsWith(".fifo") ? "FIFO" : "standard"} queue)`, async () => {
    const sqs = await startSqs();
    const notifier = createSqsNotifier({ client: sqs.client(), queueUrl: await sqs.createQueue(queue) });
    return {
      notifier,
      delivered: async () =>
        sqs.messages(queue).map(({ body, attributes }) => ({
          id: attributes.notification_id ?? "",
          event: attributes.event ?? "",
          recording_id: attributes.recording_id ?? "",
          document: JSON.parse(body) as RecordingDocument,
        })),
      close: async () => {
        await notifier.close?.();
        await sqs.close();
      },
    };
  });
}

interface SqsRequest {
  target: string | undefined;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * Answers the next `times` SQS requests to `origin` as SQS does (AWS JSON 1.0, with the MD5 of the
 * message body the SDK checks), and records them.
 */
function fakeSqs(
  origin: string,
  answer: (request: SqsRequest) => [number, object, Record<string, string>?],
  times = 1,
) {
  const requests: SqsRequest[] = [];
  nock(origin)
    .post("/")
    .times(times)
    .reply(function (_uri, body) {
      const headers = this.req.headers;
      const request: SqsRequest = {
        target: headers["x-amz-target"] as string | undefined,
        authorization: headers.authorization as string | undefined,
        body: (typeof body === "string" ? JSON.parse(body) : body) as Record<string, unknown>,
      };
      requests.push(request);
      const [status, reply, extraHeaders = {}] = answer(request);
      return [status, reply, { ...JSON_1_0, ...extraHeaders }];
    });
  return requests;
}

function accepted(request: SqsRequest): [number, object] {
  const md5 = createHash("md5")
    .update(String(request.body.MessageBody ?? ""))
    .digest("hex");
  return [200, { MessageId: "11111111-2222-3333-4444-555555555555", MD5OfMessageBody: md5 }];
}

function noSuchQueue(): [number, object, Record<string, string>] {
  return [
    400,
    { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." },
    { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" },
  ];
}

let client: SQSClient;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith("127.0.0.1"));
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
beforeEach(() => {
  client = new SQSClient({
    region: "us-east-1",
    endpoint: ENDPOINT,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});
afterEach(() => {
  client.destroy();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe("createSqsNotifier", () => {
  it("sends the document as the message body, with event, recording_id and notification_id attributes", async () => {
    const requests = fakeSqs(ENDPOINT, accepted, 2);
    const notifier = createSqsNotifier({ client, queueUrl: QUEUE });
    expect(notifier.description).toBe(`SQS queue ${QUEUE}`);
    await notifier.send({ event: "ingested", document: doc(1), id: "announcement-1" });
    await notifier.send({ event: "deleted", document: doc(2) });

    expect(requests.map((r) => r.target)).toEqual(["AmazonSQS.SendMessage", "AmazonSQS.SendMessage"]);
    expect(requests[0]?.body).toEqual({
      QueueUrl: QUEUE,
      MessageBody: JSON.stringify(doc(1)),
      MessageAttributes: {
        event: { DataType: "String", StringValue: "ingested" },
        recording_id: { DataType: "String", StringValue: doc(1).recording_id },
        notification_id: { DataType: "String", StringValue: "announcement-1" },
      },
    });
    expect(JSON.parse(String(requests[0]?.body.MessageBody))).toEqual(doc(1));
    // Without an id, a fresh one: a standard queue's consumer still has something to deduplicate by.
    expect(requests[1]?.body.MessageAttributes).toMatchObject({
      event: { StringValue: "deleted" },
      notification_id: { StringValue: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    await notifier.close?.();
  });

  it("groups a FIFO queue's messages by recording and deduplicates them by notification id", async () => {
    const requests = fakeSqs(ENDPOINT, accepted, 3);
    const notifier = createSqsNotifier({ client, queueUrl: FIFO_QUEUE });
    const first = doc(1, { ingested_at: "2024-01-01T02:00:00Z" });
    const again = { ...first, ingested_at: "2024-01-02T02:00:00Z" };
    await notifier.send({ event: "ingested", document: first, id: notificationId("ingested", first) });
    await notifier.send({ event: "ingested", document: again, id: notificationId("ingested", again) });
    // A reindex asks to announce: no id, so nothing to drop it by.
    await notifier.send({ event: "reindexed", document: first });

    const expected = createHash("sha256")
      .update(`ingested\n${documentContentHash(first)}`)
      .digest("hex");
    expect(requests[0]?.body).toMatchObject({
      QueueUrl: FIFO_QUEUE,
      MessageGroupId: first.recording_id,
      MessageDeduplicationId: expected,
    });
    // Only ingested_at changed: the same content, so SQS drops the second message.
    expect(requests[1]?.body.MessageDeduplicationId).toBe(expected);
    expect(requests[2]?.body.MessageDeduplicationId).not.toBe(expected);
    expect(requests[2]?.body.MessageDeduplicationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sets no FIFO fields on a standard queue", async () => {
    const requests = fakeSqs(ENDPOINT, accepted);
    await createSqsNotifier({ client, queueUrl: QUEUE }).send({ event: "ingested", document: doc(1) });
    expect(requests[0]?.body).not.toHaveProperty("MessageGroupId");
    expect(requests[0]?.body).not.toHaveProperty("MessageDeduplicationId");
  });

  it("says clearly that the queue does not exist, and suggests zrec setup", async () => {
    fakeSqs(ENDPOINT, noSuchQueue);
    const notifier = createSqsNotifier({ client, queueUrl: QUEUE });
    const error = await notifier.send({ event: "ingested", document: doc(3) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "NOTIFY_FAILED", suggestion: expect.stringContaining("zrec setup") });
    expect((error as Error).message).toBe(
      `SQS queue ${QUEUE}: sending ingested of recording ${doc(3).recording_id} failed: the queue does not exist.`,
    );
  });

  it("names the queue and the recording for any other failure, and keeps working after it", async () => {
    fakeSqs(ENDPOINT, () => [
      400,
      { __type: "com.amazon.coral.service#AccessDeniedException", message: "Not authorized to send." },
    ]);
    const notifier = createSqsNotifier({ client, queueUrl: QUEUE });
    await expect(notifier.send({ event: "reindexed", document: doc(4) })).rejects.toThrow(
      `SQS queue ${QUEUE}: sending reindexed of recording ${doc(4).recording_id} failed: Not authorized to send.`,
    );
    fakeSqs(ENDPOINT, accepted);
    await expect(notifier.send({ event: "reindexed", document: doc(4) })).resolves.toBeUndefined();
  });

  it("builds its own client in the queue URL's region, and destroys it on close", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    vi.stubEnv("AWS_REGION", "");
    try {
      const queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/recordings";
      const requests = fakeSqs("https://sqs.eu-west-1.amazonaws.com", accepted);
      const notifier = createSqsNotifier({ queueUrl });
      await notifier.send({ event: "ingested", document: doc(5) });
      expect(requests[0]?.authorization).toContain("/eu-west-1/sqs/aws4_request");
      expect(requests[0]?.body.QueueUrl).toBe(queueUrl);
      await notifier.close?.();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("ensureQueue", () => {
  it("leaves an existing queue alone", async () => {
    const requests = fakeSqs(ENDPOINT, () => [200, { QueueUrl: QUEUE }]);
    expect(await ensureQueue(client, QUEUE)).toBe("exists");
    expect(requests.map((r) => [r.target, r.body])).toEqual([
      ["AmazonSQS.GetQueueUrl", { QueueName: "recordings", QueueOwnerAWSAccountId: "000000000000" }],
    ]);
  });

  it("creates a missing queue, FIFO when its name says so", async () => {
    const lookups = fakeSqs(ENDPOINT, noSuchQueue);
    const creates = fakeSqs(ENDPOINT, () => [200, { QueueUrl: FIFO_QUEUE }]);
    expect(await ensureQueue(client, FIFO_QUEUE)).toBe("created");
    expect(lookups[0]?.target).toBe("AmazonSQS.GetQueueUrl");
    expect(creates.map((r) => [r.target, r.body])).toEqual([
      ["AmazonSQS.CreateQueue", { QueueName: "recordings.fifo", Attributes: { FifoQueue: "true" } }],
    ]);
  });

  it("refuses a queue created under another account than the configured URL names", async () => {
    const elsewhere = `${ENDPOINT}/999999999999/recordings`;
    fakeSqs(ENDPOINT, noSuchQueue);
    fakeSqs(ENDPOINT, () => [200, { QueueUrl: elsewhere }]);
    const queueUrl = `${ENDPOINT}/123456789012/recordings`;
    await expect(ensureQueue(client, queueUrl)).rejects.toThrow(
      `SQS queue ${queueUrl} belongs to account 123456789012, but the credentials in use created ${elsewhere} instead.`,
    );
  });

  it("sends lookups for a local queue URL to that server when no endpoint is configured", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    const local = createSqsClient({ queueUrl: "http://127.0.0.1:4566/000000000000/recordings" });
    try {
      const requests = fakeSqs("http://127.0.0.1:4566", () => [200, { QueueUrl: QUEUE }]);
      expect(await ensureQueue(local, "http://127.0.0.1:4566/000000000000/recordings")).toBe("exists");
      expect(requests).toHaveLength(1);
    } finally {
      local.destroy();
      vi.unstubAllEnvs();
    }
  });
});
