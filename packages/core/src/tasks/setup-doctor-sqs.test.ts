/**
 * setup and doctor with notify.type sqs, at the HTTP level (nock answering as SQS does): there is no
 * local SQS to run. The queue is created when missing; doctor reads its attributes and never sends.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../config/load.js";
import { runDoctor } from "./doctor.js";
import { setupBackends } from "./setup.js";

const ENDPOINT = "http://127.0.0.1:9324";
const QUEUE = `${ENDPOINT}/000000000000/recordings`;
const JSON_1_0 = { "content-type": "application/x-amz-json-1.0" };
const MISSING: [number, object, Record<string, string>] = [
  400,
  { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." },
  { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" },
];

/** Answers every SQS request with `answer(target)` and records the targets (the API actions). */
function fakeSqs(answer: (target: string) => [number, object, Record<string, string>?]) {
  const targets: string[] = [];
  nock(ENDPOINT)
    .post("/")
    .times(10)
    .reply(function () {
      const target = String(this.req.headers["x-amz-target"]);
      targets.push(target);
      const [status, body, headers = {}] = answer(target);
      return [status, body, { ...JSON_1_0, ...headers }];
    });
  return targets;
}

async function sqsConfig() {
  const dir = await mkdtemp(path.join(tmpdir(), "zrec-sqs-"));
  return loadConfig({ notify: { type: "sqs", queueUrl: QUEUE } }, { baseDir: dir, env: {} });
}

beforeAll(() => {
  nock.disableNetConnect();
  vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
  vi.stubEnv("AWS_REGION", "us-east-1");
});
afterAll(() => {
  vi.unstubAllEnvs();
  nock.enableNetConnect();
  nock.restore();
});
afterEach(() => {
  nock.cleanAll();
});

describe("setupBackends with an SQS queue", () => {
  it("creates a missing queue", async () => {
    const targets = fakeSqs((target) =>
      target.endsWith("GetQueueUrl") ? MISSING : [200, { QueueUrl: QUEUE }],
    );
    const steps = await setupBackends(await sqsConfig());
    expect(steps.at(-1)).toEqual({ backend: "notify", resource: `SQS queue ${QUEUE}`, outcome: "created" });
    expect(targets).toEqual(["AmazonSQS.GetQueueUrl", "AmazonSQS.CreateQueue"]);
  });

  it("finds an existing one and leaves it alone", async () => {
    const targets = fakeSqs(() => [200, { QueueUrl: QUEUE }]);
    const steps = await setupBackends(await sqsConfig());
    expect(steps.at(-1)?.outcome).toBe("exists");
    expect(targets).toEqual(["AmazonSQS.GetQueueUrl"]);
  });
});

describe("runDoctor with an SQS queue", () => {
  it("reads the queue's attributes and sends nothing", async () => {
    const targets = fakeSqs(() => [200, { Attributes: { ApproximateNumberOfMessages: "3" } }]);
    const notify = (await runDoctor(await sqsConfig())).find((c) => c.check === "notify");
    expect(notify).toEqual({
      check: "notify",
      ok: true,
      detail: `SQS queue ${QUEUE}: reachable, 3 messages waiting (nothing was sent)`,
    });
    expect(targets).toEqual(["AmazonSQS.GetQueueAttributes"]);
  });

  it("fails with what to do when the queue does not exist", async () => {
    fakeSqs(() => MISSING);
    const notify = (await runDoctor(await sqsConfig())).find((c) => c.check === "notify");
    expect(notify).toMatchObject({
      ok: false,
      detail: expect.stringMatching(`^SQS queue ${QUEUE}: GetQueueAttributes failed`),
      suggestion: "Run `zrec setup` to create it, or correct notify.queueUrl.",
    });
  });
});
